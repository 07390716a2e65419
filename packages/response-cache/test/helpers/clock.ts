import { createCache, memoryStore } from '@gatecache/core';
import type { Cache, CacheOptions } from '@gatecache/core';

/** A clock the test moves by hand. */
export interface ManualClock {
  now(): number;
  advance(ms: number): void;
}

export function manualClock(start = 1_700_000_000_000): ManualClock {
  let now = start;
  return {
    now: () => now,
    advance: (ms) => {
      now += ms;
    },
  };
}

/**
 * A memory-tier cache on a clock the test moves by hand, with the given namespace settings: for tests of
 * freshness and stale windows. Pass a clock to share one between caches.
 */
export function clockedCache(
  namespaces: CacheOptions['namespaces'],
  clock: ManualClock = manualClock(),
): { cache: Cache; clock: ManualClock } {
  return { cache: createCache({ clock, tiers: [memoryStore({ clock })], namespaces }), clock };
}
