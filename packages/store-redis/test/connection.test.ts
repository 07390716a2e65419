import { createCache, memoryStore } from '@gatecache/core';
import { Redis } from 'ioredis';
import { redisStore } from '../src';
import { backoff } from '../src/connection';
import { recordingLogger, runLoad, sleep } from './helpers/load';
import { describeRedis, startRedis, startSentinel, waitFor } from './helpers/redis-server';

describe('backoff', () => {
  it('grows from 50 ms and stays under its cap, jittered', () => {
    const delay = backoff(2000, () => 0.5);
    expect(delay(1)).toBe(50);
    expect(delay(3)).toBe(200);
    expect(delay(30)).toBe(2000);
    expect(backoff(2000, () => 0.99)(30)).toBeLessThanOrEqual(2400);
  });
});

describeRedis('connection: Redis going away and coming back', () => {
  it('fails no call while Redis is killed mid-load, logs each state change once, and uses the tier again after', async () => {
    let server = await startRedis();
    const port = server.port;
    const logger = recordingLogger();
    const store = redisStore({ port, logger });
    await store.ready();
    const cache = createCache({ tiers: [memoryStore(), store], tierGuard: { cooldownMs: 100 } });
    const load = runLoad(cache);
    try {
      await sleep(150);
      await server.stop();
      await sleep(400);
      server = await startRedis({ port });
      await store.ready(10_000);
      await sleep(200);
    } finally {
      const { calls, failures } = await load.stop();
      expect(failures).toEqual([]);
      expect(calls).toBeGreaterThan(100);
    }
    const stats = await cache.stats();
    expect(stats.tiers.redis?.errors).toBeGreaterThan(0);
    await waitFor('redis tier back in use', async () => {
      await cache.set('response:after', { body: 'back' });
      return (await store.has('response:after')) === true;
    });
    const reader = createCache({ tiers: [memoryStore(), redisStore({ client: store.client })] });
    expect((await reader.get('response:after'))?.tier).toBe('redis');
    const messages = logger.lines.map((l) => `${l.level} ${l.message}`);
    expect(messages.filter((m) => m === 'warn gatecache: redis connection lost')).toHaveLength(1);
    expect(messages.filter((m) => m === 'info gatecache: redis connection restored')).toHaveLength(1);
    await cache.close();
    await server.stop();
  }, 20_000);

  it('uses the tier again within 1 s of a restarted Redis accepting connections, whatever the cooldown', async () => {
    let server = await startRedis();
    const port = server.port;
    const store = redisStore({ port });
    await store.ready();
    // The default breaker: a 5 s cooldown that a reconnect must cut short.
    const cache = createCache({ tiers: [store] });
    const raw = new Redis(port, '127.0.0.1', { lazyConnect: true, retryStrategy: () => 50 });
    try {
      await server.stop();
      for (let i = 0; i < 5; i++) await cache.get(`response:down:${i}`);
      expect(cache.guard.isOpen(store)).toBe(true);
      const restarted = Date.now();
      server = await startRedis({ port });
      await raw.connect();
      let usedAfterMs = -1;
      for (let i = 0; usedAfterMs < 0 && Date.now() - restarted < 5000; i++) {
        const key = `response:back:${i}`;
        await cache.set(key, { body: 'x', kind: 'json' });
        if ((await raw.exists(`gatecache:${key}`)) === 1) usedAfterMs = Date.now() - restarted;
        else await sleep(20);
      }
      expect(usedAfterMs).toBeGreaterThanOrEqual(0);
      expect(usedAfterMs).toBeLessThan(1000);
    } finally {
      raw.disconnect();
      await cache.close();
      await server.stop();
    }
  });

  it('fails fast rather than queueing commands while Redis is unreachable', async () => {
    const server = await startRedis();
    const port = server.port;
    await server.stop();
    const store = redisStore({ port, commandTimeoutMs: 50 });
    const started = Date.now();
    await expect(Promise.resolve(store.get('response:x'))).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(1000);
    await store.close();
  });
});

describeRedis('connection: Sentinel', () => {
  it('fails no call through a SENTINEL FAILOVER and writes to the new primary afterwards', async () => {
    const group = await startSentinel();
    const store = redisStore({ sentinel: { sentinels: group.sentinels, name: group.name } });
    const cache = createCache({ tiers: [memoryStore(), store], tierGuard: { cooldownMs: 100 } });
    let failedOverAt = Date.now();
    try {
      await store.ready();
      const load = runLoad(cache);
      await sleep(150);
      const newPrimary = await group.failover();
      failedOverAt = Date.now();
      expect(newPrimary).toBe(group.replica.port);
      await sleep(300);
      const { calls, failures } = await load.stop();
      expect(failures).toEqual([]);
      expect(calls).toBeGreaterThan(100);
      const direct = new Redis(newPrimary, '127.0.0.1');
      try {
        await waitFor('a write on the new primary', async () => {
          await cache.set('response:after-failover', { body: 'ok' });
          return (await direct.exists('gatecache:response:after-failover')) === 1;
        });
      } finally {
        direct.disconnect();
      }
    } finally {
      await cache.close();
      await group.stop();
      // ioredis's failover detector leaves a 2 s (referenced) disconnect timer per sentinel connection.
      await sleep(Math.max(0, failedOverAt + 2100 - Date.now()));
    }
  }, 20_000);
});
