import { createCache, memoryStore } from '@gatecache/core';
import type { Cache } from '@gatecache/core';
import { redisStore } from '@gatecache/store-redis';
import type { RedisStore } from '@gatecache/store-redis';
import { describeRedis, startRedis } from '../../store-redis/test/helpers/redis-server';
import type { RedisProcess } from '../../store-redis/test/helpers/redis-server';
import { ALL_KEYS, SEED, get, purge, itPurgesEachFilter, keysByTier, makeStack, without } from './helpers';
import type { Stack } from './helpers';

// The router on the guide's shared setup: a small memory tier above a real redis-server.
describeRedis('cacheAdmin on memory + Redis tiers', () => {
  let server: RedisProcess;
  let redis: RedisStore;
  let stack: Stack;
  let run = 0;

  async function memoryAndRedis(): Promise<Cache> {
    // A prefix per test: no test sees another's keys, whatever order they finish in.
    redis = redisStore({ port: server.port, keyPrefix: `inv${++run}:` });
    await redis.ready();
    return createCache({ tiers: [memoryStore(), redis] });
  }

  beforeAll(async () => {
    server = await startRedis();
  });
  afterEach(async () => {
    await stack?.close();
  });
  afterAll(async () => {
    await server.stop();
  });

  itPurgesEachFilter(async () => (stack = await makeStack({}, SEED, await memoryAndRedis())));

  it('deletes nothing on a dry run and clears both tiers on a bare DELETE', async () => {
    stack = await makeStack({}, SEED, await memoryAndRedis());
    const dry = await purge(stack, '?provider=anthropic&dry_run=true');
    expect(dry.body).toEqual({ deleted: 2, by_tier: { memory: 2, redis: 2 }, dry_run: true });
    expect(await keysByTier(stack.cache)).toEqual({ memory: ALL_KEYS, redis: ALL_KEYS });
    const all = await purge(stack, '');
    expect(all.body.deleted).toBe(ALL_KEYS.length);
    expect(await keysByTier(stack.cache)).toEqual({ memory: [], redis: [] });
  });

  it('checks every Redis entry by decoding it and removes a tampered one from Redis only', async () => {
    stack = await makeStack({}, SEED, await memoryAndRedis());
    const record = await redis.get('config:ch1');
    if (!record) throw new Error('fixture entry missing');
    await redis.set({ meta: record.meta, data: Buffer.from('tampered') });
    const res = await get(stack, '/debug/cache/integrity');
    const report = res.body.tiers.find((t: { tier: string }) => t.tier === 'redis');
    expect(report).toMatchObject({ method: 'decode', checked: SEED.length, corrupt: 1, removed: 1 });
    const left = await keysByTier(stack.cache);
    expect(left.redis).toEqual(without('config:ch1'));
    expect(left.memory).toEqual(ALL_KEYS);
  });
});
