import { createCache } from '@gatecache/core';
import { Cluster } from 'ioredis';
import { redisStore } from '../src';
import type { RedisStore } from '../src';
import { escapeGlob, unlinkKeys } from '../src/scan';
import { describeRedis, redisCli, startCluster } from './helpers/redis-server';
import type { RedisClusterProcess } from './helpers/redis-server';

describe('escapeGlob', () => {
  it('escapes every glob metacharacter so a prefix matches literally', () => {
    expect(escapeGlob('a*b?c[d]e\\f:')).toBe('a\\*b\\?c\\[d\\]e\\\\f:');
    expect(escapeGlob('gatecache:')).toBe('gatecache:');
  });
});

describeRedis('scan and purge on a 3-master Redis Cluster', () => {
  let cluster: RedisClusterProcess;
  let raw: Cluster;
  let store: RedisStore;

  beforeAll(async () => {
    cluster = await startCluster(3);
    raw = new Cluster(cluster.nodes);
    store = redisStore({ cluster: { nodes: cluster.nodes }, keyPrefix: 'gc:' });
    await Promise.all([store.ready(10_000), new Promise((r) => raw.once('ready', r))]);
  }, 30_000);
  afterAll(async () => {
    await store?.close();
    await raw?.quit();
    await cluster?.stop();
  });

  const dbsize = async (port: number): Promise<number> => Number((await redisCli(port, 'DBSIZE')).trim());

  it('purges a pattern on every master, with a keyPrefix, without CROSSSLOT', async () => {
    const cache = createCache({ tiers: [store] });
    for (let i = 0; i < 60; i++) await cache.set(`response:openai:chat:m:${i}`, { body: `r${i}` });
    for (let i = 0; i < 10; i++) await cache.set(`summary:${i}`, { body: `s${i}` });
    await raw.set('foreign:key', 'not ours');
    const sizes = await Promise.all(cluster.servers.map((s) => dbsize(s.port)));
    expect(sizes.every((n) => n > 0)).toBe(true);

    const listed: string[] = [];
    for await (const key of store.keys('response:*')) listed.push(key);
    expect(listed).toHaveLength(60);
    expect(listed.every((k) => k.startsWith('response:openai:chat:m:'))).toBe(true);

    const result = await cache.deleteMatching('response:openai:*');
    expect(result.byTier.redis).toBe(60);
    expect((await cache.stats()).tiers.redis?.errors).toBe(0);
    const left: string[] = [];
    for await (const key of store.keys()) left.push(key);
    expect(left.sort()).toEqual([...Array(10).keys()].map((i) => `summary:${i}`).sort());

    await cache.clear();
    expect(await raw.get('foreign:key')).toBe('not ours');
    const total = (await Promise.all(cluster.servers.map((s) => dbsize(s.port)))).reduce((a, b) => a + b, 0);
    expect(total).toBe(1);
  });

  it('unlinks keys of many slots in one call by grouping them per slot', async () => {
    const keys = Array.from({ length: 50 }, (_, i) => `loose:${i}`);
    await Promise.all(keys.map((k) => raw.set(k, '1')));
    expect(await unlinkKeys(raw, keys, 7)).toBe(50);
    expect(await raw.exists(...keys.slice(0, 1))).toBe(0);
  });
});
