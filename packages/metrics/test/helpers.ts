import express from 'express';
import { createCache, memoryStore } from '@gatecache/core';
import type { Cache, Store, TierHealth } from '@gatecache/core';
import { cacheMetrics } from '../src';
import type { CacheMetricsOptions, CacheMetricsRouter } from '../src';

export interface Stack {
  cache: Cache;
  app: express.Express;
  router: CacheMetricsRouter;
  close(): Promise<void>;
}

/** A real cache on a memory tier behind a real Express app. */
export function stack(options: Partial<CacheMetricsOptions> & { tiers?: Store[] } = {}): Stack {
  const { tiers, ...rest } = options;
  const cache = createCache({ tiers: tiers ?? [memoryStore({ maxSizeMb: 8 })] });
  // Routes are refused without a token; tests about figures turn auth off, tests about auth pass tokens.
  const tokens = ['token', 'adminToken', 'readToken', 'scrapeToken', 'auth'] as const;
  const open = tokens.every((t) => rest[t] === undefined) ? { auth: false } : {};
  const router = cacheMetrics({ cache, env: {}, ...open, ...rest });
  const app = express();
  app.use(router);
  return {
    cache,
    app,
    router,
    async close() {
      router.close();
      await cache.close();
    },
  };
}

/** N hits and M misses on `response:` keys (the hits all read one stored key). */
export async function script(cache: Cache, hits: number, misses: number): Promise<void> {
  await cache.set('response:openai:chat:gpt-4o:t1:abc', {
    body: '{"ok":true}',
    provider: 'openai',
    model: 'gpt-4o',
  });
  for (let i = 0; i < hits; i++) await cache.get('response:openai:chat:gpt-4o:t1:abc');
  for (let i = 0; i < misses; i++) await cache.get(`response:openai:chat:gpt-4o:t1:missing-${i}`);
}

/** A memory tier whose health probe answers as told (or never, for timeouts). */
export function probedTier(name: string, probe: () => TierHealth | Promise<TierHealth>): Store {
  const inner = memoryStore({ maxSizeMb: 1 });
  return Object.assign(Object.create(inner) as Store, { ...inner, name, health: probe });
}
