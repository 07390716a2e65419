import type { Cache, Clock } from '@gatecache/core';
import { dictOf, optionChecker, ownValue, systemClock } from '@gatecache/core';
import type { OptionChecker } from '@gatecache/core';
import { DEFAULTS } from './defaults';
import { shardsSampler } from './shards';
import type { MissRatioCurve, ShardsSampler } from './shards';

export interface TuningAdvisorOptions {
  /** Cache whose counted lookups (`hit`/`miss`) are recorded, and whose stats give entry sizes and TTLs. */
  cache?: Cache;
  /** Record at all (`analytics.enabled`). Defaults of every option: `DEFAULTS.tuningAdvisor`. */
  enabled?: boolean;
  /** Keys sampled per namespace at most (SHARDS fixed size). */
  maxSamples?: number;
  /** Largest cache size (entries) the curve reaches. */
  maxEntries?: number;
  /** TTLs (seconds) the curve is computed at; each namespace's own TTL is added. */
  ttls?: number[];
  /** Hit-rate points (0..1) given up for a smaller size or shorter TTL. */
  tolerance?: number;
  /** Namespaces sampled at most; later ones are not. */
  maxNamespaces?: number;
  /** Seconds an answer of `advice()` is reused before it is computed again (`prediction_interval`). */
  refreshInterval?: number;
  clock?: Clock;
}

export interface CurvePoint {
  entries: number;
  /** `entries` times the namespace's average entry bytes, in MB; null before any entry was stored. */
  mb: number | null;
  hitRate: number;
}

export interface NamespaceAdvice {
  references: number;
  sampleRate: number;
  sampledKeys: number;
  distinctKeys: number;
  avgEntryBytes: number | null;
  /** The cache as configured: its TTL and memory cap, its measured hit rate and the curve's prediction for it. */
  current: {
    ttl: number;
    maxMb: number | null;
    entries: number | null;
    measuredHitRate: number;
    predictedHitRate: number | null;
  };
  /** Hit rate by size at the recommended TTL, up to twice the distinct keys (flat beyond). */
  curve: CurvePoint[];
  /** Hit rate by TTL at the largest size. */
  ttlCurve: { ttl: number; hitRate: number }[];
  recommended: { entries: number; mb: number | null; ttl: number; hitRate: number };
  maxHitRate: number;
}

export interface Advice {
  generatedAt: number;
  enabled: boolean;
  tolerance: number;
  namespaces: Record<string, NamespaceAdvice>;
}

export interface TuningAdvisor {
  /** Records one counted lookup; `at` defaults to the clock. */
  record(key: string, at?: number): void;
  /** The miss-ratio curve of a namespace, or undefined before any lookup in it. */
  curve(namespace: string): MissRatioCurve | undefined;
  /** Predicted hit rate of a namespace at a size in entries, at a TTL of the grid (default its own TTL). */
  predict(namespace: string, entries: number, ttl?: number): number | undefined;
  /** Curves, the current configuration and the recommendation per namespace (reused for `refreshInterval`). */
  advice(): Promise<Advice>;
  close(): void;
}

const MB = 1024 * 1024;

/** Sizes 1, 2, 3, 4, 6, 8, 11, 16 ... (two per doubling) up to `max`. */
function sizeGrid(max: number): number[] {
  const out: number[] = [];
  for (let i = 0; ; i++) {
    const s = Math.round(Math.pow(2, i / 2));
    if (s > max) break;
    if (out[out.length - 1] !== s) out.push(s);
  }
  return out;
}

/** Hit rate at `entries`, linear in log(size) between grid points. */
function interpolate(sizes: number[], rates: number[], entries: number): number {
  if (entries < (sizes[0] as number)) return 0;
  for (let i = 1; i < sizes.length; i++) {
    const hi = sizes[i] as number;
    if (entries <= hi) {
      const lo = sizes[i - 1] as number;
      const f = Math.log(entries / lo) / Math.log(hi / lo);
      return (rates[i - 1] as number) + f * ((rates[i] as number) - (rates[i - 1] as number));
    }
  }
  return rates[rates.length - 1] as number;
}

/**
 * The tuning advisor behind `GET /api/cache/advice`: a SHARDS sampler per namespace turns the stream of
 * counted lookups into miss-ratio curves over size and TTL (fixed memory per namespace), and picks the knee:
 * the shortest TTL and then the smallest size within `tolerance` of the best hit rate.
 */
export function tuningAdvisor(options: TuningAdvisorOptions = {}): TuningAdvisor {
  const check: OptionChecker = optionChecker('tuningAdvisor');
  check.object('options', options);
  const d = DEFAULTS.tuningAdvisor;
  const enabled = check.boolean('enabled', options.enabled, d.enabled);
  const maxSamples = check.positiveInt('maxSamples', options.maxSamples, d.maxSamples);
  const sizes = sizeGrid(check.positiveInt('maxEntries', options.maxEntries, d.maxEntries));
  const tolerance = check.nonNegative('tolerance', options.tolerance, d.tolerance);
  if (tolerance >= 1) check.fail('tolerance', `must be below 1 (got ${tolerance})`);
  const maxNamespaces = check.positiveInt('maxNamespaces', options.maxNamespaces, d.maxNamespaces);
  const refreshMs = check.nonNegative('refreshInterval', options.refreshInterval, d.refreshInterval) * 1000;
  const ttls = options.ttls ?? d.ttls;
  if (!Array.isArray(ttls) || ttls.length === 0 || !ttls.every((t) => Number.isFinite(t) && t > 0))
    check.fail('ttls', 'must be a non-empty array of positive seconds');
  check.methods('cache', options.cache, ['on', 'off'], 'a Cache from createCache()');
  check.methods('clock', options.clock, ['now'], 'a Clock');
  const { cache } = options;
  const clock = options.clock ?? cache?.clock ?? systemClock;
  const samplers = new Map<string, { sampler: ShardsSampler; ownTtl: number }>();
  let cached: Advice | undefined;

  const nsOf = (key: string): string => {
    const at = key.indexOf(':');
    return at > 0 ? key.slice(0, at) : 'default';
  };
  const ownTtl = (ns: string): number => (cache ? cache.namespace(ns).ttl : 1800);

  const record: TuningAdvisor['record'] = (key, at = clock.now()) => {
    if (!enabled) return;
    const ns = nsOf(key);
    let s = samplers.get(ns);
    if (!s) {
      if (samplers.size >= maxNamespaces) return;
      const own = ownTtl(ns);
      const grid = [...new Set([...ttls, own])].sort((a, b) => a - b);
      s = { sampler: shardsSampler({ sizes, ttls: grid, maxSamples }), ownTtl: own };
      samplers.set(ns, s);
    }
    s.sampler.access(key, at);
  };

  const onLookup = (e: { key: string }): void => record(e.key);
  cache?.on('hit', onLookup);
  cache?.on('miss', onLookup);

  const curve = (ns: string): MissRatioCurve | undefined => samplers.get(ns)?.sampler.curve();

  const predict: TuningAdvisor['predict'] = (ns, entries, ttl) => {
    const c = curve(ns);
    if (!c) return undefined;
    const want = ttl ?? (samplers.get(ns) as { ownTtl: number }).ownTtl;
    const t = c.ttls.indexOf(want);
    if (t < 0) throw new Error(`tuningAdvisor: ttl ${want} is not on the grid (${c.ttls.join(', ')})`);
    return interpolate(c.sizes, c.hitRates[t] as number[], entries);
  };

  const adviseNamespace = (
    c: MissRatioCurve,
    own: number,
    stats: { avgBytes: number | null; maxBytes: number | null; measured: number },
  ): NamespaceAdvice => {
    const last = c.sizes.length - 1;
    const atMax = c.hitRates.map((row) => row[last] as number);
    const best = Math.max(...atMax);
    const t = atMax.findIndex((r) => r >= best - tolerance);
    const row = c.hitRates[t] as number[];
    const maxHitRate = row[last] as number;
    const z = row.findIndex((r) => r >= maxHitRate - tolerance);
    const mbOf = (entries: number): number | null =>
      stats.avgBytes === null ? null : (entries * stats.avgBytes) / MB;
    const shown = c.sizes.filter((_s, i) => i === 0 || (c.sizes[i - 1] as number) < 2 * c.distinctKeys);
    const currentEntries =
      stats.avgBytes && stats.maxBytes !== null ? Math.floor(stats.maxBytes / stats.avgBytes) : null;
    const ownRow = c.hitRates[c.ttls.indexOf(own)] as number[];
    return {
      references: c.references,
      sampleRate: c.sampleRate,
      sampledKeys: c.sampledKeys,
      distinctKeys: c.distinctKeys,
      avgEntryBytes: stats.avgBytes,
      current: {
        ttl: own,
        maxMb: stats.maxBytes === null ? null : stats.maxBytes / MB,
        entries: currentEntries,
        measuredHitRate: stats.measured,
        predictedHitRate: currentEntries === null ? null : interpolate(c.sizes, ownRow, currentEntries),
      },
      curve: shown.map((entries, i) => ({ entries, mb: mbOf(entries), hitRate: row[i] as number })),
      ttlCurve: c.ttls.map((ttl, i) => ({ ttl, hitRate: atMax[i] as number })),
      recommended: {
        entries: c.sizes[z] as number,
        mb: mbOf(c.sizes[z] as number),
        ttl: c.ttls[t] as number,
        hitRate: row[z] as number,
      },
      maxHitRate,
    };
  };

  return {
    record,
    curve,
    predict,
    async advice() {
      const now = clock.now();
      if (cached && now - cached.generatedAt < refreshMs) return cached;
      const stats = cache ? await cache.stats() : undefined;
      const namespaces = new Map<string, NamespaceAdvice>();
      for (const [ns, s] of samplers) {
        const c = s.sampler.curve();
        const n = ownValue(stats?.namespaces, ns);
        const own = cache?.namespace(ns).maxSizeMb;
        namespaces.set(
          ns,
          adviseNamespace(c, s.ownTtl, {
            avgBytes: n && n.entries > 0 ? n.bytes / n.entries : null,
            maxBytes: own !== undefined ? own * MB : stats?.memoryMaxBytes ? stats.memoryMaxBytes : null,
            measured: n?.hitRate ?? 0,
          }),
        );
      }
      cached = { generatedAt: now, enabled, tolerance, namespaces: dictOf(namespaces) };
      return cached;
    },
    close() {
      cache?.off('hit', onLookup);
      cache?.off('miss', onLookup);
    },
  };
}
