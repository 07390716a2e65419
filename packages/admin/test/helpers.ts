import { escapeKeyPart, tenantHash } from '@gatecache/cache-key';
import { createCache, memoryStore } from '@gatecache/core';
import type { Cache, Store } from '@gatecache/core';
import express from 'express';
import request from 'supertest';
import type { Express } from 'express';
import { cacheAdmin } from '../src';
import type { CacheAdminOptions, CacheAdminRouter } from '../src';

export const ADMIN = 'admin-token-0123456789';
export const READER = 'read-token-0123456789';
export const TENANT_A = tenantHash('sk-tenant-a-secret');
export const TENANT_B = tenantHash('sk-tenant-b-secret');
export const FT_MODEL = 'ft:gpt-4o:org:1';

/** A fixture keyspace covering every layout and the traps (an escaped model, a tenant field equal to a model). */
export const SEED: { key: string; tags?: string[]; provider?: string; model?: string; tenant?: string }[] = [
  {
    key: `response:openai:chat:gpt-4o:${TENANT_A}:h1`,
    tags: ['team:a'],
    provider: 'openai',
    model: 'gpt-4o',
  },
  { key: `response:openai:chat:gpt-4o-mini:${TENANT_A}:h2`, provider: 'openai', model: 'gpt-4o-mini' },
  { key: `response:anthropic:messages:claude-3:${TENANT_B}:h3`, tags: ['team:b'], provider: 'anthropic' },
  {
    key: `response:openai:chat:${escapeKeyPart(FT_MODEL)}:${TENANT_B}:h4`,
    tags: ['team:a'],
    model: FT_MODEL,
  },
  // Its tenant field reads `gpt-4o`: a model=gpt-4o purge must leave it.
  { key: 'response:openai:chat:other:gpt-4o:h5', tags: ['team:b'] },
  { key: 'summary:ih1:100:gpt-4o', tags: ['team:a'] },
  { key: 'summary:ih2:200:claude-3' },
  { key: 'models:openai:mh1' },
  { key: 'models:anthropic:mh2' },
  { key: 'config:ch1' },
];

export interface Stack {
  cache: Cache;
  router: CacheAdminRouter;
  app: Express;
  close(): Promise<void>;
}

/** Store every seed entry (body: `{"key":...}`) through the cache, so every tier holds it. */
export async function seedCache(cache: Cache, seed = SEED): Promise<void> {
  for (const e of seed) {
    const { key, ...fields } = e;
    await cache.set(key, { body: JSON.stringify({ key }), ...fields });
  }
}

/**
 * A real stack, the admin router mounted on Express. Default tiers: a plain memory tier and an encoded
 * one; `cache` replaces them (the stack then closes that cache too).
 */
export async function makeStack(
  options: Partial<CacheAdminOptions> = {},
  seed = SEED,
  cache: Cache = createCache({ tiers: [memoryStore(), memoryStore({ name: 'l2', encoded: true })] }),
): Promise<Stack> {
  await seedCache(cache, seed);
  const router = cacheAdmin({ cache, token: ADMIN, readToken: READER, env: {}, ...options });
  const app = express();
  app.use(router);
  return {
    cache,
    router,
    app,
    async close() {
      router.close();
      await cache.close();
    },
  };
}

/** Every key of every tier, sorted, with the tiers holding it. */
export async function survivors(cache: Cache): Promise<string[]> {
  const keys: string[] = [];
  for await (const k of cache.keys('*')) keys.push(k);
  return keys.sort();
}

export async function keysOfTier(cache: Cache, tier: number): Promise<string[]> {
  const keys: string[] = [];
  for await (const k of (cache.tiers[tier] as Store).keys('*')) keys.push(k);
  return keys.sort();
}

/** Every tier's keys, by tier name. */
export async function keysByTier(cache: Cache): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (let i = 0; i < cache.tiers.length; i++)
    out[(cache.tiers[i] as Store).name] = await keysOfTier(cache, i);
  return out;
}

/** Overwrites the bytes the second tier holds for `key`, keeping its metadata: an entry that fails its check. */
export async function corruptInL2(cache: Cache, key: string): Promise<void> {
  const l2 = cache.tiers[1];
  const record = await l2?.get(key);
  if (!l2 || !record) throw new Error('fixture entry missing');
  await l2.set({ meta: record.meta, data: Buffer.from('tampered bytes') });
}

export const bearer = (token: string): [string, string] => ['Authorization', `Bearer ${token}`];

/** GET `path` on the stack's routers with `token` as the bearer. */
export const get = (stack: Stack, path: string, token = ADMIN): request.Test =>
  request(stack.app)
    .get(path)
    .set(...bearer(token));

/** DELETE `/api/cache<query>` with `token` as the bearer. */
export const purge = (stack: Stack, query: string, token = ADMIN): request.Test =>
  request(stack.app)
    .delete(`/api/cache${query}`)
    .set(...bearer(token));

export const ALL_KEYS: string[] = SEED.map((e) => e.key).sort();
export const without = (...gone: string[]): string[] => ALL_KEYS.filter((k) => !gone.includes(k));
/** The seed key containing `needle`. */
export const find = (needle: string): string => SEED.find((e) => e.key.includes(needle))?.key as string;

/** Purge queries and exactly the seed keys each must remove: [name, query string, removed keys]. */
export const FILTER_CASES: [string, string, string[]][] = [
  ['key', `?key=${encodeURIComponent(find(':h2'))}`, [find(':h2')]],
  ['provider', '?provider=openai', [find(':h1'), find(':h2'), find(':h4'), find(':h5'), 'models:openai:mh1']],
  [
    'model (not the tenant field that reads the same)',
    '?model=gpt-4o',
    [find(':h1'), 'summary:ih1:100:gpt-4o'],
  ],
  ['model with colons, escaped like keys', `?model=${encodeURIComponent(FT_MODEL)}`, [find(':h4')]],
  ['namespace', '?namespace=models', ['models:openai:mh1', 'models:anthropic:mh2']],
  ['tag', '?tag=team:a', [find(':h1'), find(':h4'), 'summary:ih1:100:gpt-4o']],
  ['tenant', `?tenant=${TENANT_A}`, [find(':h1'), find(':h2')]],
  ['pattern', '?pattern=summary:*', ['summary:ih1:100:gpt-4o', 'summary:ih2:200:claude-3']],
  ['provider AND tag', '?provider=openai&tag=team:b', [find(':h5')]],
  ['model AND tenant', `?model=gpt-4o-mini&tenant=${TENANT_A}`, [find(':h2')]],
  ['namespace AND provider', '?namespace=models&provider=anthropic', ['models:anthropic:mh2']],
  ['pattern AND tag', '?pattern=response:*&tag=team:a', [find(':h1'), find(':h4')]],
];

/**
 * One test per FILTER_CASES row on the stack `start` builds (and the caller closes): exactly the row's keys
 * leave every tier, and the answer counts them per tier.
 */
export function itPurgesEachFilter(start: () => Promise<Stack>): void {
  it.each(FILTER_CASES)('removes exactly what %s names on every tier', async (_name, query, gone) => {
    const stack = await start();
    const res = await purge(stack, query);
    expect(res.status).toBe(200);
    const tiers = stack.cache.tiers.map((t) => t.name);
    expect(res.body).toEqual({
      deleted: gone.length,
      by_tier: Object.fromEntries(tiers.map((name) => [name, gone.length])),
      dry_run: false,
    });
    expect(await keysByTier(stack.cache)).toEqual(
      Object.fromEntries(tiers.map((name) => [name, without(...gone)])),
    );
  });
}
