// Issue 15, item 4: patterns that backtrack. `GET /api/cache/keys?pattern=*?*?*?*?*?*Z` blocked the process
// for 24 s over 5 keys (picomatch's regular expression backtracks exponentially), and so did the purge's dry
// run. Every pattern a client sends is now matched in linear time, capped in length and wildcards (400 past
// the caps), and Redis is only ever sent a literal head, one star and a literal tail.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { cacheAdmin } from '@gatecache/admin';
import { createCache, globMatcher, memoryStore } from '@gatecache/core';
import type { Cache } from '@gatecache/core';
import { redisStore } from '@gatecache/store-redis';
import type { RedisStore } from '@gatecache/store-redis';
import express from 'express';
import { ADMIN_TOKEN, admin, chat, gateway, post, whileServing } from './helpers';
import type { Gateway } from './helpers';
import { startTestRedis } from './redis-server';
import type { TestRedis } from './redis-server';

/** The probe's slowest answer while an attack runs; the old matcher blocked for 24 s on the first pattern. */
const PROBE_BOUND_MS = 1000;

/** Under the caps (at most 32 wildcards, 512 characters) yet exponential for a backtracking matcher. */
const PATHOLOGICAL: [string, string][] = [
  ['*?*?...*Z', `${'*?'.repeat(15)}*Z`],
  ['a*a*a*...b', `*${'a*'.repeat(30)}b`],
  ['**********x', `${'*'.repeat(400)}x`],
  ['a long literal run between stars', `*${'a'.repeat(450)}b*`],
  ['a long character class, repeated', `*${'[abcdefghijklmnopqrstuvwxyz0123456789:]*'.repeat(10)}Z`],
  ['?-runs between stars', `*${'?'.repeat(20)}*${'?'.repeat(8)}Z`],
];

/** Over the caps: answered 400 with a message saying which cap. */
const OVER_CAP: [string, string, RegExp][] = [
  ['33 wildcards', `${'*?'.repeat(16)}*Z`, /33 wildcards; at most 32/],
  ['a huge pattern', `${'a'.repeat(5000)}*`, /5001 characters long; at most 512/],
  ['a huge character class', `*[${'ab'.repeat(400)}]`, /characters long; at most 512/],
];

const KEYS = 2000;
/** Keys with long runs of `a`, so that the patterns above have something to chew on; every 100th ends in Z. */
const seedKey = (i: number): string =>
  `response:openai:chat.completions:gpt-4o:t${i % 7}:${i}${'a'.repeat(60)}${i % 100 === 0 ? 'Z' : 'y'}`;

async function seed(cache: Cache): Promise<void> {
  await Promise.all(Array.from({ length: KEYS }, (_, i) => cache.set(seedKey(i), { body: '{}' })));
}

interface Target {
  name: string;
  url: string;
  probe: string;
  cache: Cache;
}

interface Answer {
  status: number;
  body: { keys?: string[]; deleted?: number; dry_run?: boolean; error?: { type: string; message: string } };
}

async function getJson(url: string): Promise<Answer> {
  const res = await fetch(url, { headers: admin });
  return { status: res.status, body: (await res.json()) as Answer['body'] };
}

async function purge(url: string): Promise<Answer> {
  const res = await fetch(url, { method: 'DELETE', headers: admin });
  return { status: res.status, body: (await res.json()) as Answer['body'] };
}

async function countKeys(cache: Cache): Promise<number> {
  let n = 0;
  for await (const _ of cache.keys('response:*')) n++;
  return n;
}

/** cacheAdmin in a plain Express app, over `cache`, with a /health route for the probe. */
async function plainAdmin(cache: Cache): Promise<{ url: string; close(): Promise<void> }> {
  const app = express();
  const router = cacheAdmin({ cache, token: ADMIN_TOKEN, env: {} });
  app.get('/health', (_req, res) => {
    res.json({ ok: true });
  });
  app.use(router);
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    async close() {
      router.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

let redis: TestRedis;
let gw: Gateway;
let gwRedis: Gateway;
let memoryCache: Cache;
let redisCache: Cache;
let redisTier: RedisStore;
const closers: (() => Promise<unknown>)[] = [];
const targets: Target[] = [];

beforeAll(async () => {
  redis = await startTestRedis();
  gw = await gateway();
  gwRedis = await gateway({ REDIS_URL: redis.url });
  for (const [name, g] of [
    ['the gateway example', gw],
    ['the gateway example on Redis', gwRedis],
  ] as const) {
    // A few real entries through the proxy, then the seeded ones.
    for (let i = 0; i < 3; i++)
      expect((await post(`${g.url}/v1/chat/completions`, chat(`p${i}`))).status).toBe(200);
    const cache = g.gatecache.cache as Cache;
    await seed(cache);
    targets.push({ name, url: g.url, probe: `${g.url}/health`, cache });
  }
  memoryCache = createCache({ tiers: [memoryStore()] });
  redisTier = redisStore({ port: redis.port, keyPrefix: 'hostile-plain:' });
  await redisTier.ready();
  redisCache = createCache({ tiers: [memoryStore(), redisTier] });
  for (const [name, cache] of [
    ['cacheAdmin on a memory tier', memoryCache],
    ['cacheAdmin on memory + Redis', redisCache],
  ] as const) {
    await seed(cache);
    const app = await plainAdmin(cache);
    closers.push(() => app.close());
    targets.push({ name, url: app.url, probe: `${app.url}/health`, cache });
  }
}, 60_000);

afterAll(async () => {
  for (const close of closers) await close();
  await gw?.stop();
  await gwRedis?.stop();
  await memoryCache?.close();
  await redisCache?.close();
  await redis?.stop();
}, 30_000);

describe.each([
  'the gateway example',
  'the gateway example on Redis',
  'cacheAdmin on a memory tier',
  'cacheAdmin on memory + Redis',
])('%s', (name) => {
  const target = (): Target => targets.find((t) => t.name === name) as Target;

  it.each(PATHOLOGICAL)('lists keys for %s while other requests are served', async (_label, pattern) => {
    const t = target();
    let answer: Answer | undefined;
    const seen = await whileServing(t.probe, async () => {
      answer = await getJson(`${t.url}/api/cache/keys?pattern=${encodeURIComponent(pattern)}&limit=1000`);
    });
    expect(answer?.status).toBe(200);
    const all: string[] = [];
    for await (const key of t.cache.keys('*')) all.push(key);
    const expected = all.filter(globMatcher(pattern));
    expect(new Set(answer?.body.keys)).toEqual(new Set(expected));
    expect(seen.failures).toEqual([]);
    expect(seen.worstMs).toBeLessThan(PROBE_BOUND_MS);
  });

  it.each(PATHOLOGICAL)(
    'counts a dry-run purge of %s, deleting nothing, while other requests are served',
    async (_label, pattern) => {
      const t = target();
      const before = await countKeys(t.cache);
      let answer: Answer | undefined;
      const seen = await whileServing(t.probe, async () => {
        answer = await purge(`${t.url}/api/cache?pattern=${encodeURIComponent(pattern)}&dry_run=true`);
      });
      expect(answer?.status).toBe(200);
      expect(answer?.body.dry_run).toBe(true);
      expect(await countKeys(t.cache)).toBe(before);
      expect(seen.failures).toEqual([]);
      expect(seen.worstMs).toBeLessThan(PROBE_BOUND_MS);
    },
  );

  it.each(OVER_CAP)(
    'answers 400 saying why for %s, on keys and on a dry-run purge',
    async (_label, pattern, why) => {
      const t = target();
      const before = await countKeys(t.cache);
      const seen = await whileServing(t.probe, async () => {
        const keys = await getJson(`${t.url}/api/cache/keys?pattern=${encodeURIComponent(pattern)}`);
        expect(keys.status).toBe(400);
        expect(keys.body.error?.type).toBe('invalid_request');
        expect(keys.body.error?.message).toMatch(why);
        for (const dry of ['&dry_run=true', '']) {
          const res = await purge(`${t.url}/api/cache?pattern=${encodeURIComponent(pattern)}${dry}`);
          expect(res.status).toBe(400);
          expect(res.body.error?.message).toMatch(why);
        }
      });
      expect(await countKeys(t.cache)).toBe(before);
      expect(seen.worstMs).toBeLessThan(PROBE_BOUND_MS);
    },
  );

  it('purges exactly what a pathological pattern selects, while other requests are served', async () => {
    const t = target();
    const before = await countKeys(t.cache);
    let answer: Answer | undefined;
    const seen = await whileServing(t.probe, async () => {
      answer = await purge(`${t.url}/api/cache?pattern=${encodeURIComponent(`${'*?'.repeat(15)}*Z`)}`);
    });
    expect(answer?.status).toBe(200);
    expect(answer?.body.deleted).toBe(KEYS / 100);
    expect(await countKeys(t.cache)).toBe(before - KEYS / 100);
    expect(seen.worstMs).toBeLessThan(PROBE_BOUND_MS);
    // Put them back for the other tests of this target.
    await Promise.all(
      Array.from({ length: KEYS / 100 }, (_, i) => t.cache.set(seedKey(i * 100), { body: '{}' })),
    );
  });
});
