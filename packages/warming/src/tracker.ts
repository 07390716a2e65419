import type { Cache, Clock, Logger } from '@gatecache/core';
import { optionChecker, silentLogger, systemClock } from '@gatecache/core';
import { DEFAULTS } from './defaults';
import { countMinSketch } from './count-min';
import { parseKey } from './key-info';
import type { KeyInfo } from './key-info';
import { rateSeries } from './rate-series';
import type { RateSeries } from './rate-series';
import { sharedCounts } from './shared-counts';
import type { SharedPopularityOptions, SharedStats } from './shared-counts';
import { topK } from './top-k';
import type { Ranked } from './top-k';

export interface AccessTrackerOptions {
  /** Cache whose counted lookups (`hit` and `miss` events) are recorded. Default none: call `record` yourself. */
  cache?: Cache;
  /** Seconds over which popularity halves, so recent demand outranks old. Defaults: `DEFAULTS.accessTracker`. */
  window?: number;
  /** Seconds of per-key request-rate history kept for the top keys (`pattern_window`). */
  patternWindow?: number;
  /** Buckets the pattern window is cut into. */
  buckets?: number;
  /** Popular keys tracked in detail. */
  topK?: number;
  /** Count-min sketch width and depth (memory: width * depth * 8 bytes). */
  sketchWidth?: number;
  sketchDepth?: number;
  /**
   * Pool popularity with the other instances through Redis (`{ client }`, an ioredis `Redis` or `Cluster`) or
   * another `PopularityStore` (`{ store }`). Default none: counts are this instance's only.
   */
  shared?: SharedPopularityOptions;
  clock?: Clock;
  /** Where a shared store's outage and recovery are reported (once per change). Default: the cache's. */
  logger?: Logger;
}

/** One popular key as the tracker sees it. */
export interface KeyPattern extends KeyInfo {
  key: string;
  /** Decayed request count (count-min estimate). */
  score: number;
  hits: number;
  misses: number;
  firstSeen: number;
  lastSeen: number;
  /** Requests within the pattern window (with `shared`: the larger of this instance's and all instances'). */
  recent: number;
  /** With `shared`: requests within the pattern window across all instances (as of the last read-back). */
  shared?: number;
}

export interface TrackerStats {
  lookups: number;
  hits: number;
  misses: number;
  tracked: number;
  sketchBytes: number;
  /** Lookups per hour of day (UTC), 24 buckets. */
  hourly: number[];
  /** With `shared`: the shared store's state and figures. */
  shared?: SharedStats;
}

export interface AccessTracker {
  /** Records one lookup. `at` defaults to the clock. */
  record(key: string, outcome: 'hit' | 'miss' | 'stale', at?: number): void;
  /** The tracked keys, most popular first. */
  popular(limit?: number): KeyPattern[];
  pattern(key: string): KeyPattern | undefined;
  /** Per-bucket request counts of a tracked key over the pattern window (oldest first), or undefined. */
  series(key: string): number[] | undefined;
  estimate(key: string): number;
  stats(): TrackerStats;
  /**
   * With `shared`, sends the batched increments and reads the shared counts back (the warmer calls it before
   * picking candidates); never rejects, and resolves at once without `shared`.
   */
  sync?(): Promise<void>;
  readonly patternWindow: number;
  readonly buckets: number;
  readonly clock: Clock;
  /** Stops listening to the cache and the shared store's timer (batched increments not yet sent are dropped). */
  close(): void;
}

interface Tracked {
  info: KeyInfo;
  hits: number;
  misses: number;
  firstSeen: number;
  lastSeen: number;
  series: RateSeries;
}

/**
 * Records every counted lookup in fixed memory: a count-min sketch of decayed popularity, a top-K heap of the
 * most popular keys, request-rate series for those keys only, and an hourly profile.
 */
export function accessTracker(options: AccessTrackerOptions = {}): AccessTracker {
  const check = optionChecker('accessTracker');
  check.object('options', options);
  const d = DEFAULTS.accessTracker;
  const windowMs = check.positive('window', options.window, d.window) * 1000;
  const patternWindow = check.positive('patternWindow', options.patternWindow, d.patternWindow);
  const buckets = check.positiveInt('buckets', options.buckets, d.buckets);
  const k = check.positiveInt('topK', options.topK, d.topK);
  const sketch = countMinSketch(
    check.positiveInt('sketchWidth', options.sketchWidth, d.sketchWidth),
    check.positiveInt('sketchDepth', options.sketchDepth, d.sketchDepth),
  );
  check.methods('cache', options.cache, ['on', 'off'], 'a Cache from createCache()');
  check.methods('clock', options.clock, ['now'], 'a Clock');
  check.methods('logger', options.logger, ['warn', 'info', 'debug'], 'a Logger');
  const clock = options.clock ?? options.cache?.clock ?? systemClock;
  const bucketMs = (patternWindow * 1000) / buckets;
  const top = topK<Tracked>(k);
  const hourly = new Array<number>(24).fill(0);
  const totals = { lookups: 0, hits: 0, misses: 0 };
  let lastDecay = clock.now();
  const shared = options.shared
    ? sharedCounts(options.shared, {
        windowSeconds: patternWindow,
        topK: k,
        clock,
        logger: options.logger ?? options.cache?.logger ?? silentLogger,
      })
    : undefined;

  const decay = (now: number): void => {
    const elapsed = now - lastDecay;
    if (elapsed < windowMs / 8) return;
    const factor = Math.pow(0.5, elapsed / windowMs);
    sketch.scale(factor);
    top.scale(factor);
    lastDecay = now;
  };

  const view = (r: Ranked<Tracked>, now: number): KeyPattern => ({
    key: r.key,
    ...r.data.info,
    score: r.count,
    hits: r.data.hits,
    misses: r.data.misses,
    firstSeen: r.data.firstSeen,
    lastSeen: r.data.lastSeen,
    recent: r.data.series.total(now),
  });

  const record: AccessTracker['record'] = (key, outcome, at = clock.now()) => {
    decay(at);
    totals.lookups++;
    if (outcome === 'miss') totals.misses++;
    else totals.hits++;
    const hour = new Date(at).getUTCHours();
    hourly[hour] = (hourly[hour] as number) + 1;
    const count = sketch.add(key);
    const entry = top.offer(key, count, () => ({
      info: parseKey(key),
      hits: 0,
      misses: 0,
      firstSeen: at,
      lastSeen: at,
      series: rateSeries(buckets, bucketMs),
    }));
    shared?.add(key, at, entry !== undefined);
    if (!entry) return;
    const t = entry.data;
    if (outcome === 'miss') t.misses++;
    else t.hits++;
    t.lastSeen = Math.max(t.lastSeen, at);
    t.series.add(at);
  };

  // Shared counts raise a local view (never lower it: while the store is down the local counts stand).
  const withShared = (p: KeyPattern, now: number): KeyPattern => {
    if (!shared) return p;
    const s = shared.recent(p.key, now);
    return { ...p, shared: s, recent: Math.max(p.recent, s), score: Math.max(p.score, s) };
  };
  // A key other instances made popular and this one has not seen: no hits, misses or times of its own.
  const sharedOnly = (key: string, s: number, now: number): KeyPattern => {
    const at = shared?.stats().lastSyncAt ?? now;
    return {
      key,
      ...parseKey(key),
      score: s,
      hits: 0,
      misses: 0,
      firstSeen: at,
      lastSeen: at,
      recent: s,
      shared: s,
    };
  };

  const onHit = (e: { key: string; stale: boolean }): void => record(e.key, e.stale ? 'stale' : 'hit');
  const onMiss = (e: { key: string }): void => record(e.key, 'miss');
  // `hit`/`miss` fire once per counted lookup; `lookup` also fires for internal peeks (record: false), which
  // would count the warmer's own reads as demand.
  options.cache?.on('hit', onHit);
  options.cache?.on('miss', onMiss);

  return {
    record,
    popular(limit = k) {
      const now = clock.now();
      if (!shared) {
        return top
          .sorted()
          .slice(0, limit)
          .map((r) => view(r, now));
      }
      const out = new Map<string, KeyPattern>();
      for (const r of top.sorted()) out.set(r.key, withShared(view(r, now), now));
      for (const key of shared.keys()) {
        if (out.has(key)) continue;
        const s = shared.recent(key, now);
        if (s > 0) out.set(key, sharedOnly(key, s, now));
      }
      return [...out.values()].sort((a, b) => b.score - a.score).slice(0, limit);
    },
    pattern(key) {
      const now = clock.now();
      const r = top.get(key);
      if (r) return withShared(view(r, now), now);
      const s = shared?.recent(key, now) ?? 0;
      return s > 0 ? sharedOnly(key, s, now) : undefined;
    },
    series(key) {
      return top.get(key)?.data.series.counts(clock.now());
    },
    estimate: (key) => sketch.estimate(key),
    stats: () => ({
      ...totals,
      tracked: top.size,
      sketchBytes: sketch.bytes,
      hourly: [...hourly],
      ...(shared ? { shared: shared.stats() } : {}),
    }),
    sync: () => shared?.sync() ?? Promise.resolve(),
    patternWindow,
    buckets,
    clock,
    close() {
      shared?.close();
      options.cache?.off('hit', onHit);
      options.cache?.off('miss', onMiss);
    },
  };
}
