import type { Cache, CacheEvents, LabelLimits } from '@gatecache/core';
import { dictOf, labelCap, ownValue, resolveLabelLimits } from '@gatecache/core';
import { KEY_LAYOUTS } from './purge-spec';

interface Counts {
  hits: number;
  misses: number;
}

export interface AccessPatterns {
  /** Most looked-up keys (of those tracked), with hits and misses. */
  top_keys: { key: string; hits: number; misses: number }[];
  by_namespace: Record<string, Counts>;
  by_provider: Record<string, Counts>;
  by_model: Record<string, Counts>;
  /** Lookups per hour of the day (0-23, clock's UTC hours) since start. */
  hourly: Counts[];
  /** Distinct keys tracked / the tracking cap (the least-used are dropped past it). */
  tracked_keys: number;
  max_tracked_keys: number;
  /**
   * Lookups counted under `other` in `by_model` / `by_provider`: past `labelLimits.models` names, or of a
   * model none of whose answers was stored yet (a miss never gives a model its own row).
   */
  folded: { models: number; providers: number };
}

export interface PatternTracker {
  snapshot(top: number): AccessPatterns;
  hitsOf(key: string): number | undefined;
  stop(): void;
}

const bump = (map: Map<string, Counts>, name: string, hit: boolean): void => {
  let c = map.get(name);
  if (!c) map.set(name, (c = { hits: 0, misses: 0 }));
  if (hit) c.hits++;
  else c.misses++;
};

/** Access patterns from the cache's hit/miss events, in bounded memory (at most `maxKeys` keys tracked). */
export function trackPatterns(
  cache: Cache,
  now: () => number,
  maxKeys = 10_000,
  labelLimits?: LabelLimits,
): PatternTracker {
  const limits = resolveLabelLimits('cacheAdmin: labelLimits', labelLimits);
  const keys = new Map<string, Counts>();
  const byNs = new Map<string, Counts>();
  const byProvider = new Map<string, Counts>();
  const byModel = new Map<string, Counts>();
  // Model names come from request bodies: a model gets its own row once an answer of it is stored (or hit),
  // so a flood of unknown models, each answered 404, stays one `other` row.
  const models = labelCap(limits.models);
  const providers = labelCap(limits.models);
  const fieldsOf = (key: string): { provider?: string; model?: string } => {
    const parts = key.split(':');
    const layout = ownValue(KEY_LAYOUTS, parts[0] as string);
    if (!layout || parts.length !== layout.length) return {};
    const { provider, model } = layout.fields;
    return {
      ...(provider !== undefined ? { provider: parts[provider] as string } : {}),
      ...(model !== undefined ? { model: parts[model] as string } : {}),
    };
  };
  const hourly: Counts[] = Array.from({ length: 24 }, () => ({ hits: 0, misses: 0 }));
  const record = (key: string, namespace: string, hit: boolean): void => {
    bump(byNs, namespace, hit);
    const f = fieldsOf(key);
    if (f.provider !== undefined) bump(byProvider, providers.label(f.provider), hit);
    if (f.model !== undefined) bump(byModel, models.label(f.model, hit), hit);
    const h = hourly[new Date(now()).getUTCHours()] as Counts;
    if (hit) h.hits++;
    else h.misses++;
    if (!keys.has(key) && keys.size >= maxKeys) {
      // Drop the least-looked-up tenth: keeps memory bounded while the busy keys stay.
      const sorted = [...keys.entries()].sort((a, b) => a[1].hits + a[1].misses - (b[1].hits + b[1].misses));
      for (const [k] of sorted.slice(0, Math.ceil(maxKeys / 10))) keys.delete(k);
    }
    bump(keys, key, hit);
  };
  const onHit = (e: CacheEvents['hit']): void => record(e.key, e.namespace, true);
  const onMiss = (e: CacheEvents['miss']): void => record(e.key, e.namespace, false);
  const onSet = (e: CacheEvents['set']): void => {
    const f = fieldsOf(e.key);
    // Admission only: a store is not a lookup, so a full table does not count it as folded.
    if (f.provider !== undefined && providers.size < providers.max) providers.label(f.provider);
    if (f.model !== undefined && models.size < models.max) models.label(f.model);
  };
  cache.on('hit', onHit).on('miss', onMiss).on('set', onSet);
  // Prototype-less: model and provider names are the clients'.
  const obj = (m: Map<string, Counts>): Record<string, Counts> =>
    dictOf([...m].map(([k, c]) => [k, { ...c }] as const));
  return {
    snapshot(top) {
      const topKeys = [...keys.entries()]
        .sort((a, b) => b[1].hits + b[1].misses - (a[1].hits + a[1].misses))
        .slice(0, top)
        .map(([key, c]) => ({ key, hits: c.hits, misses: c.misses }));
      return {
        top_keys: topKeys,
        by_namespace: obj(byNs),
        by_provider: obj(byProvider),
        by_model: obj(byModel),
        hourly: hourly.map((c) => ({ ...c })),
        tracked_keys: keys.size,
        max_tracked_keys: maxKeys,
        folded: { models: models.folded, providers: providers.folded },
      };
    },
    hitsOf(key) {
      return keys.get(key)?.hits;
    },
    stop() {
      cache.off('hit', onHit).off('miss', onMiss).off('set', onSet);
    },
  };
}
