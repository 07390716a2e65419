import { escapeKeyPart, tenantHash } from '@gatecache/cache-key';
import { createCache, memoryStore } from '@gatecache/core';
import type { Cache } from '@gatecache/core';
import express from 'express';
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

/** A real stack: two tiers (a plain memory tier and an encoded one), the admin router mounted on Express. */
export async function makeStack(options: Partial<CacheAdminOptions> = {}, seed = SEED): Promise<Stack> {
  const cache = createCache({ tiers: [memoryStore(), memoryStore({ name: 'l2', encoded: true })] });
  for (const e of seed) {
    const { key, ...fields } = e;
    await cache.set(key, { body: JSON.stringify({ key }), ...fields });
  }
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
  for await (const k of (cache.tiers[tier] as (typeof cache.tiers)[number]).keys('*')) keys.push(k);
  return keys.sort();
}

export const bearer = (token: string): [string, string] => ['Authorization', `Bearer ${token}`];
