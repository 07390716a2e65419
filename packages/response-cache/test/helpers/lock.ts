import type { DistributedLock, LockHandle } from '@gatecache/core';

/** An in-process stand-in for store-redis's lock: leases with expiry, polled release. */
export function memoryLock(): DistributedLock & { acquired: number } {
  const held = new Map<string, { token: number; expiresAt: number }>();
  let tokens = 0;
  const live = (key: string): boolean => {
    const h = held.get(key);
    return h !== undefined && h.expiresAt > Date.now();
  };
  const lock = {
    acquired: 0,
    acquire(key: string, ttlMs: number): Promise<LockHandle | undefined> {
      if (live(key)) return Promise.resolve(undefined);
      const token = ++tokens;
      held.set(key, { token, expiresAt: Date.now() + ttlMs });
      lock.acquired++;
      return Promise.resolve({
        release: () => {
          if (held.get(key)?.token === token) held.delete(key);
          return Promise.resolve();
        },
        extend: (ms: number) => {
          const h = held.get(key);
          if (h?.token !== token) return Promise.resolve(false);
          h.expiresAt = Date.now() + ms;
          return Promise.resolve(true);
        },
      });
    },
    async waitForRelease(key: string, timeoutMs: number): Promise<void> {
      const end = Date.now() + timeoutMs;
      while (live(key) && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
    },
  };
  return lock;
}
