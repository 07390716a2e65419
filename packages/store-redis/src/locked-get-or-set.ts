import { guardLock } from '@gatecache/core';
import type { Cache, CacheEntry, DistributedLock, EntryInput, GetOptions, SetOptions } from '@gatecache/core';

export interface LockedGetOrSetOptions extends SetOptions, GetOptions {
  /** How long the loading instance holds the lock; if it dies, another takes over after this. Default 30000 ms. */
  lockTtlMs?: number;
  /** Longest wait for another instance's load before loading anyway. Default `lockTtlMs * 2`. */
  maxWaitMs?: number;
}

function originEntry(
  key: string,
  namespace: string,
  input: EntryInput,
  ttl: number,
  now: number,
): CacheEntry {
  const body = typeof input.body === 'string' ? Buffer.from(input.body) : input.body;
  const { body: _b, ...fields } = input;
  return {
    ...fields,
    key,
    namespace,
    tags: input.tags ?? [],
    createdAt: now,
    expiresAt: now + ttl * 1000,
    staleUntil: now + ttl * 1000,
    size: body.length,
    body,
    age: 0,
    ttl,
    stale: false,
    tier: 'origin',
  };
}

/**
 * `cache.getOrSet` across instances: concurrent misses for one key make one `loader` call in the fleet. A
 * Redis that cannot lock makes the instance load on its own, since a cache never fails a request.
 */
export async function lockedGetOrSet(
  cache: Cache,
  given: DistributedLock,
  key: string,
  loader: () => Promise<EntryInput>,
  options: LockedGetOrSetOptions = {},
): Promise<CacheEntry> {
  const { lockTtlMs = 30_000, maxWaitMs = lockTtlMs * 2, ...cacheOptions } = options;
  const lock = guardLock(given, cache.guard, { logger: cache.logger });
  const cached = await cache.get(key, cacheOptions);
  if (cached) return cached;
  return cache.singleFlight.run(key, async () => {
    const deadline = cache.clock.now() + maxWaitMs;
    const quiet = { ...cacheOptions, record: false };
    for (;;) {
      let handle: Awaited<ReturnType<DistributedLock['acquire']>>;
      try {
        handle = await lock.acquire(key, lockTtlMs);
      } catch {
        return load();
      }
      if (handle) {
        try {
          // Another instance may have stored it between our miss and our lock.
          return (await cache.get(key, quiet)) ?? (await load());
        } finally {
          await handle.release();
        }
      }
      const left = deadline - cache.clock.now();
      if (left <= 0) return load();
      await lock.waitForRelease(key, left);
      const stored = await cache.get(key, quiet);
      if (stored) return stored;
      // Released without an answer (the owner failed or died): race for the lock again.
    }
  });

  async function load(): Promise<CacheEntry> {
    const input = await loader();
    await cache.set(key, input, cacheOptions);
    const ttl = cacheOptions.ttl ?? cache.namespace(cache.namespaceOf(key)).ttl;
    return originEntry(key, cache.namespaceOf(key), input, ttl, cache.clock.now());
  }
}
