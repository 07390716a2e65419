import { createCache, encodeRecord } from '@gatecache/core';
import type { CacheEvents } from '@gatecache/core';
import { Redis } from 'ioredis';
import { redisStore } from '../src';
import type { RedisStore } from '../src';
import { describeRedis, startRedis } from './helpers/redis-server';
import type { RedisProcess } from './helpers/redis-server';

// These tests are about what is stored, not about timeouts: a loaded CI machine may take longer than the
// default 200 ms for a first command, which would skip the tier and fail them for the wrong reason.
const SLOW_MACHINE = { timeoutMs: 10_000 };

describeRedis('redisStore', () => {
  let server: RedisProcess;
  let raw: Redis;
  const stores: RedisStore[] = [];
  const open = async (options: Parameters<typeof redisStore>[0] = {}): Promise<RedisStore> => {
    const store = redisStore({ port: server.port, ...options });
    stores.push(store);
    await store.ready();
    return store;
  };

  beforeAll(async () => {
    server = await startRedis();
    raw = new Redis(server.port, '127.0.0.1');
  });
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
    await raw.flushdb();
  });
  afterAll(async () => {
    raw.disconnect();
    await server.stop();
  });

  it('round-trips an entry and stores it with a native expiry at the end of its stale window', async () => {
    const cache = createCache({ tiers: [await open()], tierGuard: SLOW_MACHINE });
    await cache.set(
      'response:openai:chat:gpt:global:abc',
      { body: '{"ok":true}', status: 200 },
      {
        ttl: 10,
        staleWhileRevalidate: 20,
      },
    );
    const entry = await cache.get('response:openai:chat:gpt:global:abc');
    expect(entry?.body.toString()).toBe('{"ok":true}');
    expect(entry?.tier).toBe('redis');
    const pttl = await raw.pttl('gatecache:response:openai:chat:gpt:global:abc');
    expect(pttl).toBeGreaterThan(29_000);
    expect(pttl).toBeLessThanOrEqual(30_000);
  });

  it('sends Redis only a literal head, one star and a literal tail, and filters the rest itself', async () => {
    const cache = createCache({ tiers: [await open()], tierGuard: SLOW_MACHINE });
    for (let i = 0; i < 5; i++)
      await cache.set(`response:openai:chat:gpt-4o:t${i}:${'a'.repeat(40)}Z`, { body: 'x' });
    await cache.set('response:anthropic:messages:claude:t0:b', { body: 'x' });
    const monitor = await raw.monitor();
    const matches: string[] = [];
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (args[0]?.toLowerCase() === 'scan') matches.push(args[args.indexOf('MATCH') + 1] as string);
    });
    try {
      const pathological = `${'*?'.repeat(12)}*Z`;
      const found: string[] = [];
      for await (const key of cache.keys(pathological)) found.push(key);
      expect(found.sort()).toEqual(
        [0, 1, 2, 3, 4].map((i) => `response:openai:chat:gpt-4o:t${i}:${'a'.repeat(40)}Z`),
      );
      const few: string[] = [];
      for await (const key of cache.keys('response:*:t[12]:*')) few.push(key);
      expect(few).toHaveLength(2);
      expect((await cache.deleteMatching('response:*:*:claude:*')).deleted).toBe(1);
      expect((await cache.deleteMatching(`response:*${'a*'.repeat(20)}Z`)).deleted).toBe(5);
      // MONITOR reports what it saw a moment later: wait for the four scans.
      while (matches.length < 4) await new Promise((r) => setTimeout(r, 10));
    } finally {
      monitor.disconnect();
    }
    expect(matches).toEqual([
      'gatecache:*Z',
      'gatecache:response:*',
      'gatecache:response:*',
      'gatecache:response:*Z',
    ]);
  });

  it('stores bodies compressed by the core codec', async () => {
    const cache = createCache({ tiers: [await open()], tierGuard: SLOW_MACHINE });
    const body = 'the same sentence again and again. '.repeat(200);
    await cache.set('summary:big', { body });
    const stored = await raw.strlen('gatecache:summary:big');
    expect(stored).toBeLessThan(body.length / 4);
    expect((await cache.get('summary:big'))?.body.toString()).toBe(body);
  });

  it('refuses a record whose stale window has already ended', async () => {
    const store = await open({ clock: { now: () => 10_000 } });
    const record = await encodeRecord(
      'response:old',
      'response',
      Buffer.from('x'),
      {
        createdAt: 0,
        expiresAt: 5_000,
        staleUntil: 9_000,
      },
      { tags: [] },
    );
    expect(await store.set(record)).toBe(false);
    expect(await raw.exists('gatecache:response:old')).toBe(0);
  });

  it('lists and purges keys by pattern with SCAN, prefix stripped', async () => {
    const store = await open();
    const cache = createCache({ tiers: [store] });
    for (const key of ['response:openai:a', 'response:openai:b', 'response:anthropic:c', 'summary:x']) {
      await cache.set(key, { body: key });
    }
    const keys: string[] = [];
    for await (const key of store.keys('response:openai:*')) keys.push(key);
    expect(keys.sort()).toEqual(['response:openai:a', 'response:openai:b']);
    const result = await cache.deleteMatching('response:*');
    expect(result.deleted).toBe(3);
    expect(await raw.keys('*')).toEqual(['gatecache:summary:x']);
  });

  it('sees and clears only the keys under its own keyPrefix', async () => {
    const a = await open({ keyPrefix: 'app[1]:' });
    const b = await open({ keyPrefix: 'app2:' });
    await raw.set('unrelated', 'keep me');
    const cacheA = createCache({ tiers: [a] });
    const cacheB = createCache({ tiers: [b] });
    await cacheA.set('response:k', { body: 'a' });
    await cacheB.set('response:k', { body: 'b' });
    expect((await cacheB.get('response:k'))?.body.toString()).toBe('b');
    const seen: string[] = [];
    for await (const key of a.keys()) seen.push(key);
    expect(seen).toEqual(['response:k']);
    await cacheA.clear();
    expect((await raw.keys('*')).sort()).toEqual(['app2:response:k', 'unrelated']);
  });

  it('treats a corrupt record as a miss, removes it and counts it', async () => {
    const store = await open();
    const cache = createCache({ tiers: [store] });
    const evicted: CacheEvents['evict'][] = [];
    cache.on('evict', (e) => evicted.push(e));
    await raw.set('gatecache:response:bad', Buffer.from('definitely not a record'));
    expect(await cache.get('response:bad')).toBeUndefined();
    expect(await raw.exists('gatecache:response:bad')).toBe(0);
    expect((await cache.stats()).tiers.redis?.corrupt).toBe(1);
    expect(evicted).toEqual([
      { key: 'response:bad', namespace: 'response', tier: 'redis', reason: 'corrupt' },
    ]);
  });

  it('treats a record stored under another key as corrupt', async () => {
    const store = await open();
    const cache = createCache({ tiers: [store] });
    await cache.set('response:one', { body: '1' });
    await raw.copy('gatecache:response:one', 'gatecache:response:two');
    expect(await cache.get('response:two')).toBeUndefined();
    expect((await store.stats()).corrupt).toBe(1);
  });

  it('counts entries by scanning, reusing the figure for statsMaxAgeMs', async () => {
    let now = 1_000_000;
    const clock = { now: () => now };
    const store = await open({ statsMaxAgeMs: 5000, clock });
    const cache = createCache({ tiers: [store], clock });
    await cache.set('response:a', { body: 'a' });
    await cache.set('summary:b', { body: 'b' });
    const first = await store.stats();
    expect(first.entries).toBe(2);
    expect(first.bytes).toBeGreaterThan(0);
    expect(first.namespaces).toEqual({
      response: { entries: 1, bytes: expect.any(Number) },
      summary: { entries: 1, bytes: expect.any(Number) },
    });
    await cache.set('response:c', { body: 'c' });
    expect((await store.stats()).entries).toBe(2);
    now += 5000;
    expect((await store.stats()).entries).toBe(3);
  });

  it('answers health with a PING latency, and reports a stopped server', async () => {
    const own = await startRedis();
    const store = redisStore({ url: own.url });
    stores.push(store);
    await store.ready();
    const up = await store.health!();
    expect(up.ok).toBe(true);
    expect(up.latencyMs).toBeGreaterThanOrEqual(0);
    await own.stop();
    const down = await store.health!();
    expect(down.ok).toBe(false);
    expect(down.message).toEqual(expect.any(String));
  });

  it('leaves a client it was given open on close, unless told to close it', async () => {
    const client = new Redis(server.port, '127.0.0.1');
    const store = redisStore({ client });
    await store.ready();
    await store.close();
    expect(await client.ping()).toBe('PONG');
    await redisStore({ client, closeClient: true }).close();
    expect(client.status).toBe('end');
  });

  it('rejects bad options with the option name', () => {
    expect(() => redisStore({ url: 'http://x' })).toThrow(/url/);
    expect(() => redisStore({ url: 'redis://x', cluster: { nodes: [] } })).toThrow(
      /only one of url, client, cluster/,
    );
    expect(() => redisStore({ commandTimeoutMs: 0 })).toThrow(/commandTimeoutMs/);
    expect(() => redisStore({ port: 70000 })).toThrow(/port/);
    expect(() => redisStore({ scanCount: 1.5 })).toThrow(/scanCount/);
  });
});
