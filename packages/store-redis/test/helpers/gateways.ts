/**
 * Gateway instances over a shared Redis for the multi-instance tests, wired as a gateway author would:
 * an Express app with responseCache (memory tier + Redis tier, an invalidation bus, the Redis lock) in front
 * of http-proxy-middleware 3 (keep-alive agent, proxyRequestBody) to one counting upstream.
 */
import { forAll, postJson, proxyStack } from '@gatecache/test-kit';
import type { Answer } from '@gatecache/test-kit';
import * as http from 'node:http';
import { createCache, memoryStore } from '@gatecache/core';
import type { Cache, Store, TierGuardOptions } from '@gatecache/core';
import { responseCache } from '@gatecache/response-cache';
import type { LockOptions, ResponseCacheMiddleware, ResponseCacheOptions } from '@gatecache/response-cache';
import type { Express } from 'express';
import { invalidationBus, redisLock, redisStore } from '../../src';
import type { InvalidationBus, RedisConnectionOptions, RedisLock, RedisStore } from '../../src';
import { startRedis } from './redis-server';
import type { RedisProcess } from './redis-server';
import { startUpstream } from './upstream';
import type { Upstream, UpstreamOptions } from './upstream';

export const KEY_PREFIX = 'gc-multi:';
export const AUTH = { authorization: 'Bearer sk-test-multi' };

export interface Instance {
  name: string;
  url: string;
  cache: Cache;
  memory: Store;
  redis: RedisStore;
  bus: InvalidationBus;
  lock: RedisLock;
  /** The response cache middleware (its stats()). */
  mw: ResponseCacheMiddleware;
  close(): Promise<void>;
}

export interface InstanceOptions {
  /** How to reach Redis (`port`, `cluster`...); keyPrefix is KEY_PREFIX. */
  connection: RedisConnectionOptions;
  upstream: Upstream;
  /** Response cache options besides `cache` and `lock`. */
  /** Options of responseCache; the lock's backend is this instance's Redis lock. */
  middleware?: Omit<ResponseCacheOptions, 'cache' | 'lock'> & { lock?: Omit<LockOptions, 'backend'> };
  /** Memory tier in front of Redis. Default true. */
  memory?: boolean;
  tierGuard?: TierGuardOptions;
  /** Extra routes before the cache (an admin router). */
  before?: (app: Express, instance: { name: string; cache: Cache; bus: InvalidationBus }) => void;
  /** Called on close, before the cache is closed (to close an admin router). */
  onClose?: () => void;
}

/** One gateway instance; resolves once its Redis connection, bus subscription and lock subscription are live. */
export async function startInstance(name: string, options: InstanceOptions): Promise<Instance> {
  const memory = memoryStore();
  const redis = redisStore({ ...options.connection, keyPrefix: KEY_PREFIX });
  const tiers = options.memory === false ? [redis] : [memory, redis];
  const cache = createCache({ tiers, ...(options.tierGuard ? { tierGuard: options.tierGuard } : {}) });
  const bus = invalidationBus({ client: redis.client, keyPrefix: KEY_PREFIX, instanceId: name });
  bus.attach(cache);
  const lock = redisLock({ client: redis.client, keyPrefix: KEY_PREFIX, pollIntervalMs: 50 });
  await Promise.all([redis.ready(), bus.ready(), lock.ready()]);
  const mw = responseCache({
    ...options.middleware,
    cache,
    lock: { ...options.middleware?.lock, backend: lock },
  });
  const stack = await proxyStack({
    upstream: options.upstream.url,
    cache: mw,
    before: (app) => options.before?.(app, { name, cache, bus }),
  });
  return {
    name,
    url: stack.url,
    cache,
    memory,
    redis,
    bus,
    lock,
    mw,
    async close() {
      await stack.close();
      options.onClose?.();
      await bus.close();
      await lock.close();
      // Closes the Redis connection the store opened (the bus and lock shared it).
      await cache.close();
    },
  };
}

export function startInstances(count: number, options: InstanceOptions): Promise<Instance[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => startInstance(`gw-${i}`, options)));
}

export interface Fleet {
  server: RedisProcess;
  upstream: Upstream;
  instances: Instance[];
  /** A keep-alive agent for the load the test sends. */
  agent: http.Agent;
}

/**
 * A redis-server, a loopback upstream and `count` instances over both for the tests of the enclosing block (a
 * getter: see `forAll`). `instance` gives the instances' options from the server's port; the server is
 * thawed before it is stopped, should a test leave it frozen.
 */
export function fleetForAll(
  count: number,
  options: {
    upstream: UpstreamOptions;
    instance: (port: number) => Omit<InstanceOptions, 'upstream'>;
    maxSockets: number;
  },
): () => Fleet {
  return forAll(
    async (): Promise<Fleet> => {
      const server = await startRedis();
      const upstream = await startUpstream(options.upstream);
      const instances = await startInstances(count, { ...options.instance(server.port), upstream });
      return {
        server,
        upstream,
        instances,
        agent: new http.Agent({ keepAlive: true, maxSockets: options.maxSockets }),
      };
    },
    async ({ server, upstream, instances, agent }) => {
      server.thaw();
      agent.destroy();
      await Promise.all(instances.map((i) => i.close()));
      await upstream.close();
      await server.stop();
    },
  );
}

/** POST a JSON body; rejects only when the connection fails (a failed request for the load test). */
export function post(url: string, body: unknown, agent: http.Agent | false = false): Promise<Answer> {
  return postJson(url, body, AUTH, agent);
}

/** A deterministic chat request whose answer the test can predict from the prompt. */
export function chatRequest(prompt: string, stream = false): Record<string, unknown> {
  return {
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: prompt }],
    temperature: 0,
    ...(stream ? { stream: true } : {}),
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll until `check` holds, failing after `ms` (the bus promises other instances see a purge within 100 ms). */
export async function within(ms: number, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await sleep(2);
  }
}
