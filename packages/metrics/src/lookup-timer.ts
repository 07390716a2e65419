import type { Cache, CacheEvents } from '@gatecache/core';

/** One finished lookup, as core's `lookup` event reports it (key, namespace, outcome, tier, durationMs). */
export type LookupResult = CacheEvents['lookup'];

export type LookupListener = (result: LookupResult) => void;

/**
 * Listen to every lookup with its duration. Core times lookups only while a `lookup` listener is attached,
 * so the returned function must be called to make the hit path free of timing again.
 */
export function onLookup(cache: Cache, listener: LookupListener): () => void {
  cache.on('lookup', listener);
  let attached = true;
  return () => {
    if (!attached) return;
    attached = false;
    cache.off('lookup', listener);
  };
}
