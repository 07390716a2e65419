import type { Cache } from '@gatecache/core';
import { createHistogram } from './histogram';
import type { Histogram } from './histogram';
import { onLookup } from './lookup-timer';

/** Figures the cache does not keep itself: lookup latency and key novelty. */
export interface Collector {
  /** Lookup duration in seconds, labelled `namespace` and `outcome` (label string `ns\u0000outcome`). */
  readonly latency: Histogram;
  /** Lookups whose key this process had not looked up before (bounded memory; see README). */
  newKeys(): number;
  lookups(): number;
  close(): void;
}

export interface CollectorOptions {
  /** Distinct keys remembered for `new_keys_per_minute`; the set restarts when full. Default 100000. */
  maxTrackedKeys?: number;
}

/**
 * A 30-bit FNV-1a hash of a key, so the set holds small integers rather than client strings; a collision
 * only makes a new key look seen, which an alarm signal tolerates.
 */
function keyHash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h & 0x3fffffff;
}

export function createCollector(cache: Cache, options: CollectorOptions = {}): Collector {
  const maxTracked = options.maxTrackedKeys ?? 100_000;
  const latency = createHistogram();
  const seen = new Set<number>();
  let newKeys = 0;
  let lookups = 0;
  const stop = onLookup(cache, (r) => {
    lookups++;
    const h = keyHash(r.key);
    if (!seen.has(h)) {
      // A full set restarts rather than evicting one by one: the rate is an alarm signal, not an audit.
      if (seen.size >= maxTracked) seen.clear();
      seen.add(h);
      newKeys++;
    }
    latency.observe(`${r.namespace}\u0000${r.outcome}`, r.durationMs / 1000);
  });
  return {
    latency,
    newKeys: () => newKeys,
    lookups: () => lookups,
    close: stop,
  };
}
