import { Redis } from 'ioredis';
import { redisLock } from '../src';
import type { RedisLock } from '../src';
import { describeRedis, startRedis, unconnectedClient } from './helpers/redis-server';
import type { RedisProcess } from './helpers/redis-server';

describeRedis('redisLock', () => {
  let server: RedisProcess;
  let raw: Redis;
  const locks: RedisLock[] = [];
  const open = (options: Parameters<typeof redisLock>[0] = {}): RedisLock => {
    const lock = redisLock({ port: server.port, ...options });
    locks.push(lock);
    return lock;
  };

  beforeAll(async () => {
    server = await startRedis();
    raw = new Redis(server.port, '127.0.0.1');
    await raw.ping();
  });
  afterEach(async () => {
    await Promise.all(locks.splice(0).map((l) => l.close()));
    await raw.flushdb();
  });
  afterAll(async () => {
    raw.disconnect();
    await server.stop();
  });

  it('lets one owner hold a key at a time, across instances', async () => {
    const [one, two] = [open(), open()];
    await Promise.all([one.ready(), two.ready()]);
    const results = await Promise.all([
      one.acquire('k', 5000),
      two.acquire('k', 5000),
      one.acquire('k', 5000),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await raw.pttl('gatecache:lock:k')).toBeGreaterThan(4000);
    await results.find(Boolean)!.release();
    expect(await two.acquire('k', 5000)).toBeDefined();
  });

  it('is ready only once its command connection is up, not only its subscription', async () => {
    // A command connection that has not connected yet: acquire() on it would fail (no offline queue).
    const client = unconnectedClient(server.port);
    const lock = open({ client, closeClient: true });
    await expect(lock.ready(300)).rejects.toThrow(/not ready after 300 ms/);
    await client.connect();
    await lock.ready();
    expect(await lock.acquire('k', 5000)).toBeDefined();
  });

  it('does not let a stale owner release or extend a lock someone else now holds', async () => {
    const [one, two] = [open(), open()];
    await Promise.all([one.ready(), two.ready()]);
    const stale = await one.acquire('k', 100);
    expect(stale).toBeDefined();
    await new Promise((r) => setTimeout(r, 150));
    const current = await two.acquire('k', 5000);
    expect(current).toBeDefined();
    await stale!.release();
    expect(await stale!.extend(10_000)).toBe(false);
    expect(await raw.exists('gatecache:lock:k')).toBe(1);
    expect(await current!.extend(20_000)).toBe(true);
    expect(await raw.pttl('gatecache:lock:k')).toBeGreaterThan(10_000);
  });

  it('wakes a waiter on another instance when the lock is released', async () => {
    const [owner, waiter] = [open(), open({ pollIntervalMs: 60_000 })];
    await Promise.all([owner.ready(), waiter.ready()]);
    const handle = await owner.acquire('k', 60_000);
    let woken = false;
    const waiting = waiter.waitForRelease('k', 30_000).then(() => (woken = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(woken).toBe(false);
    await handle!.release();
    // Polling is off (one minute): only the release message can wake it this soon.
    await Promise.race([waiting, new Promise((r) => setTimeout(r, 1000))]);
    expect(woken).toBe(true);
  });

  it('lets exactly one waiter take over when the owner dies and its lock expires', async () => {
    const dead = open();
    await dead.ready();
    expect(await dead.acquire('k', 300)).toBeDefined();
    await dead.close(); // the owner is gone: nobody will release, the lock has to expire
    const waiters = [
      open({ pollIntervalMs: 25 }),
      open({ pollIntervalMs: 25 }),
      open({ pollIntervalMs: 25 }),
    ];
    let holding = 0;
    let maxHolding = 0;
    let acquired = 0;
    // Each waiter works like a loader: wait, try to take the lock, hold it briefly, release.
    await Promise.all(
      waiters.map(async (w) => {
        for (;;) {
          await w.waitForRelease('k', 10_000);
          const handle = await w.acquire('k', 5000);
          if (!handle) continue;
          acquired++;
          maxHolding = Math.max(maxHolding, ++holding);
          await new Promise((r) => setTimeout(r, 30));
          holding--;
          await handle.release();
          return;
        }
      }),
    );
    expect(acquired).toBe(3);
    expect(maxHolding).toBe(1);
  });

  it('returns from waitForRelease at the timeout while the lock is held', async () => {
    const [owner, waiter] = [open(), open()];
    await owner.ready();
    expect(await owner.acquire('k', 60_000)).toBeDefined();
    await waiter.waitForRelease('k', 200);
    expect(await raw.exists('gatecache:lock:k')).toBe(1);
  });

  it('rejects a bad ttl and a bad pollIntervalMs', async () => {
    expect(() => redisLock({ pollIntervalMs: 0 })).toThrow(/pollIntervalMs/);
    const lock = open();
    await expect(lock.acquire('k', 0)).rejects.toThrow(/ttlMs/);
  });

  it('stops waiting as soon as Redis is unreachable, rather than waiting out the timeout', async () => {
    const own = await startRedis();
    const holder = redisLock({ port: own.port, pollIntervalMs: 100 });
    const waiter = redisLock({ port: own.port, pollIntervalMs: 100 });
    try {
      await Promise.all([holder.ready(), waiter.ready()]);
      expect(await holder.acquire('k', 60_000)).toBeDefined();
      const started = Date.now();
      const waited = waiter.waitForRelease('k', 20_000);
      await own.stop();
      await waited;
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await Promise.all([holder.close(), waiter.close()]);
      await own.stop();
    }
  }, 30_000);
});
