import type { Cache, CacheEntry, GetOptions, LookupOutcome } from '@gatecache/core';

/** One finished `cache.get`. */
export interface LookupResult {
  key: string;
  namespace: string;
  outcome: LookupOutcome;
  /** Tier that answered (hits only). */
  tier?: string;
  entry?: CacheEntry;
  error?: Error;
  durationMs: number;
}

/** Called when a lookup starts; the returned function (if any) is called when it ends. */
export type LookupHook = (key: string) => ((result: LookupResult) => void) | void;

interface Patch {
  hooks: Set<LookupHook>;
  original: Cache['get'];
}

// Keyed by the cache instance so two routers on one cache share a single wrapper and the last one to
// close restores the original method; a WeakMap keeps no cache alive.
const patches = new WeakMap<Cache, Patch>();

const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

/**
 * Time every `cache.get` (core emits hit/miss events but no durations). The instance's `get` is wrapped in
 * place so lookups made by any package (the response cache, warming) are measured; the returned function
 * removes the hook and, with the last hook, the wrapper.
 */
export function onLookup(cache: Cache, hook: LookupHook): () => void {
  let patch = patches.get(cache);
  if (!patch) {
    const original = cache.get;
    const hooks = new Set<LookupHook>();
    patch = { hooks, original };
    patches.set(cache, patch);
    const wrapped = async (key: string, options?: GetOptions): Promise<CacheEntry | undefined> => {
      const ends: ((r: LookupResult) => void)[] = [];
      for (const h of hooks) {
        const end = h(key);
        if (end) ends.push(end);
      }
      const t0 = nowMs();
      const finish = (entry: CacheEntry | undefined, error?: Error): void => {
        const result: LookupResult = {
          key,
          namespace: cache.namespaceOf(key),
          outcome: entry ? (entry.stale ? 'stale' : 'hit') : 'miss',
          durationMs: nowMs() - t0,
        };
        if (entry) {
          result.tier = entry.tier;
          result.entry = entry;
        }
        if (error) result.error = error;
        for (const end of ends) end(result);
      };
      try {
        const entry = await original.call(cache, key, options);
        finish(entry);
        return entry;
      } catch (err) {
        finish(undefined, err as Error);
        throw err;
      }
    };
    (cache as { get: Cache['get'] }).get = wrapped;
  }
  const active = patch;
  active.hooks.add(hook);
  return () => {
    active.hooks.delete(hook);
    if (active.hooks.size === 0 && patches.get(cache) === active) {
      patches.delete(cache);
      // Back to the prototype's method (or whatever the caller had installed before us).
      if (
        Object.prototype.hasOwnProperty.call(cache, 'get') &&
        active.original === Object.getPrototypeOf(cache).get
      ) {
        delete (cache as { get?: Cache['get'] }).get;
      } else {
        (cache as { get: Cache['get'] }).get = active.original;
      }
    }
  };
}
