import { createCache, memoryStore } from '@gatecache/core';
import type { Cache } from '@gatecache/core';
import { lockedGetOrSet, redisLock, redisStore } from '../src';
import type { RedisLock } from '../src';
import { describeRedis, redisForAll } from './helpers/redis-server';

describeRedis('lockedGetOrSet', () => {
  const redis = redisForAll();
  let instances: Array<{ cache: Cache; lock: RedisLock }>;

  beforeEach(async () => {
    instances = [];
    for (let i = 0; i < 3; i++) {
      const store = redisStore({ port: redis().server.port });
      const lock = redisLock({ client: store.client, pollIntervalMs: 50 });
      await Promise.all([store.ready(), lock.ready()]);
      // A generous tier timeout: on a busy machine a Redis call past the default 200 ms counts as failed, and an
      // instance that cannot reach the lock loads on its own (by design), which is not what these tests are about.
      const cache = createCache({ tiers: [memoryStore(), store], tierGuard: { timeoutMs: 2000 } });
      instances.push({ cache, lock });
    }
  });
  afterEach(async () => {
    for (const { cache, lock } of instances) {
      await lock.close();
      await cache.close();
    }
    await redis().raw.flushdb();
  });

  it('runs the loader once for 100 concurrent identical misses spread over 3 instances', async () => {
    let calls = 0;
    const loader = async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 100));
      return { body: 'the answer', status: 200 };
    };
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => {
        const { cache, lock } = instances[i % 3]!;
        return lockedGetOrSet(cache, lock, 'response:openai:chat:m:global:h', loader);
      }),
    );
    expect(calls).toBe(1);
    expect(results.every((e) => e.body.toString() === 'the answer')).toBe(true);
    expect(new Set(results.map((e) => e.tier))).toEqual(new Set(['origin', 'redis']));
  });

  it('lets another instance load when the loading one fails', async () => {
    let calls = 0;
    const loader = async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 50));
      if (calls === 1) throw new Error('upstream 500');
      return { body: 'second try' };
    };
    const settled = await Promise.allSettled(
      instances.map(({ cache, lock }) => lockedGetOrSet(cache, lock, 'response:flaky', loader)),
    );
    expect(calls).toBe(2);
    expect(settled.filter((s) => s.status === 'rejected')).toHaveLength(1);
    const answers = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value.body.toString()] : []));
    expect(answers).toEqual(['second try', 'second try']);
  });

  it('loads locally when the lock cannot be reached', async () => {
    const lonely = redisLock({ port: 1 });
    const cache = createCache();
    const entry = await lockedGetOrSet(cache, lonely, 'response:alone', async () => ({ body: 'mine' }));
    expect(entry.body.toString()).toBe('mine');
    expect((await cache.get('response:alone'))?.body.toString()).toBe('mine');
    await lonely.close();
  });
});
