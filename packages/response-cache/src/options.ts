import { guardLock } from '@gatecache/core';
import type { Cache, Clock, GuardedLock, Logger } from '@gatecache/core';
import { createKeyer, isKeyer } from '@gatecache/cache-key';
import type { Keyer, RouteInfo } from '@gatecache/cache-key';
import { defaultShouldCache } from './policy';
import { DEFAULT_RECIPE_MAX_BYTES, isSecretHeader } from './recipe';
import type {
  CacheRequest,
  Determinism,
  ModelPrice,
  ResponseCacheOptions,
  ShouldCacheContext,
} from './types';

export interface ResolvedOptions {
  cache: Cache;
  keyer: Keyer;
  maxBodyBytes: number;
  determinism: Determinism;
  variants: number;
  ttl: (req: CacheRequest, route: RouteInfo) => number | undefined;
  /** A user function (shouldCache, ttl) is given the request: it gets req.body and req.rawBody set. */
  hooksSeeRequest: boolean;
  /** Absent when it would admit every request (the default policy with `determinism: 'all'`). */
  shouldCache?: (ctx: ShouldCacheContext) => boolean;
  cacheUnknownEndpoints: boolean;
  /** Behind the cache's tier guard: a server that does not answer is skipped (local-only single flight). */
  lock?: GuardedLock;
  lockTtlMs: number;
  lockWaitMs: number;
  upstreamTimeoutMs: number;
  followerWaitMs: number;
  requestNamespaces: ReadonlySet<string>;
  exposeKey: boolean;
  pricing: Record<string, ModelPrice>;
  storeHeaders: ReadonlySet<string>;
  recordRecipes: boolean;
  recipeHeaders: ReadonlySet<string>;
  recipeMaxBytes: number;
  shareShapes: boolean;
  clock: Clock;
  logger: Logger;
  random: () => number;
}

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** Ten minutes: the OpenAI SDK's own request timeout; a long non-streamed answer has its head only at the end. */
export const DEFAULT_FOLLOWER_WAIT_MS = 600_000;
/** The namespace the keyer puts responses in; `x-gatecache-namespace` may choose only from this list. */
export const DEFAULT_REQUEST_NAMESPACES: readonly string[] = Object.freeze(['response']);

function fail(path: string, message: string): never {
  throw new Error(`responseCache: ${path} ${message}`);
}

function positiveInt(path: string, value: number | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min)
    fail(path, `must be an integer >= ${min} (got ${String(value)})`);
  return value;
}

/** Validates the options once, at creation, and fills in defaults; a bad option throws with its name. */
export function resolveOptions(options: ResponseCacheOptions): ResolvedOptions {
  if (!options || typeof options !== 'object') fail('options', 'must be an object with at least `cache`');
  const { cache } = options;
  if (!cache || typeof cache.get !== 'function' || typeof cache.set !== 'function') {
    fail('cache', 'must be a Cache from @gatecache/core createCache()');
  }
  const keyer = isKeyer(options.key) ? options.key : createKeyer(options.key);
  const determinism = options.determinism ?? 'all';
  if (determinism !== 'all' && determinism !== 'deterministic') {
    fail('determinism', `must be 'all' or 'deterministic' (got ${String(determinism)})`);
  }
  const ttlOption = options.ttl;
  let ttl: ResolvedOptions['ttl'];
  if (ttlOption === undefined) ttl = () => undefined;
  else if (typeof ttlOption === 'function') ttl = ttlOption;
  else if (typeof ttlOption === 'number' && Number.isFinite(ttlOption) && ttlOption >= 0)
    ttl = () => ttlOption;
  else fail('ttl', `must be seconds >= 0 or a function (got ${String(ttlOption)})`);
  if (options.shouldCache !== undefined && typeof options.shouldCache !== 'function') {
    fail('shouldCache', 'must be a function');
  }
  const lock = options.lock;
  if (
    lock !== undefined &&
    (typeof lock.acquire !== 'function' || typeof lock.waitForRelease !== 'function')
  ) {
    fail('lock', 'must be a DistributedLock (acquire, waitForRelease)');
  }
  const pricing = options.pricing ?? {};
  for (const [model, price] of Object.entries(pricing)) {
    if (!price || !(price.input >= 0) || !(price.output >= 0)) {
      fail(`pricing.${model}`, 'must be { input, output } USD per 1M tokens, each >= 0');
    }
  }
  const storeHeaders = options.storeHeaders ?? [];
  if (!Array.isArray(storeHeaders) || storeHeaders.some((h) => typeof h !== 'string')) {
    fail('storeHeaders', 'must be an array of header names');
  }
  const refused = storeHeaders.find((h) =>
    [
      'set-cookie',
      'content-length',
      'content-encoding',
      'transfer-encoding',
      'connection',
      'authorization',
    ].includes(h.toLowerCase()),
  );
  if (refused) fail('storeHeaders', `cannot include "${refused}"`);
  const recipeHeaders = options.recipeHeaders ?? [];
  if (!Array.isArray(recipeHeaders) || recipeHeaders.some((h) => typeof h !== 'string')) {
    fail('recipeHeaders', 'must be an array of header names');
  }
  const secret = recipeHeaders.find(isSecretHeader);
  if (secret) fail('recipeHeaders', `cannot include "${secret}": it may carry a credential`);
  if (options.recordRecipes !== undefined && typeof options.recordRecipes !== 'boolean') {
    fail('recordRecipes', 'must be a boolean');
  }
  if (options.shareShapes !== undefined && typeof options.shareShapes !== 'boolean') {
    fail('shareShapes', 'must be a boolean');
  }
  const requestNamespaces = options.requestNamespaces ?? DEFAULT_REQUEST_NAMESPACES;
  if (!Array.isArray(requestNamespaces))
    throw new TypeError('responseCache: requestNamespaces must be an array');
  requestNamespaces.forEach((name, i) => {
    if (typeof name !== 'string' || cache.namespace(name).name !== name) {
      throw new TypeError(
        `responseCache: requestNamespaces[${i}] must name a namespace configured on the cache (got ${String(name)})`,
      );
    }
  });
  const random = options.random ?? Math.random;
  if (typeof random !== 'function') fail('random', 'must be a function returning [0, 1)');
  return {
    cache,
    keyer,
    maxBodyBytes: positiveInt('maxBodyBytes', options.maxBodyBytes, DEFAULT_MAX_BODY_BYTES, 0),
    determinism,
    variants: positiveInt('variants', options.variants, 1),
    ttl,
    hooksSeeRequest: options.shouldCache !== undefined || typeof ttlOption === 'function',
    // The default policy with `determinism: 'all'` admits everything: skipping it lets a hit skip the parse.
    ...(options.shouldCache !== undefined || determinism !== 'all'
      ? { shouldCache: options.shouldCache ?? defaultShouldCache }
      : {}),
    cacheUnknownEndpoints: options.cacheUnknownEndpoints ?? false,
    ...(lock ? { lock: guardLock(lock, cache.guard, { logger: options.logger ?? cache.logger }) } : {}),
    lockTtlMs: positiveInt('lockTtlMs', options.lockTtlMs, 30_000),
    lockWaitMs: positiveInt('lockWaitMs', options.lockWaitMs, 60_000),
    upstreamTimeoutMs: positiveInt('upstreamTimeoutMs', options.upstreamTimeoutMs, 30_000),
    followerWaitMs: positiveInt('followerWaitMs', options.followerWaitMs, DEFAULT_FOLLOWER_WAIT_MS),
    requestNamespaces: new Set(requestNamespaces),
    exposeKey: options.exposeKey ?? true,
    pricing,
    storeHeaders: new Set(storeHeaders.map((h) => h.toLowerCase())),
    recordRecipes: options.recordRecipes ?? true,
    recipeHeaders: new Set(recipeHeaders.map((h) => h.toLowerCase())),
    recipeMaxBytes: positiveInt('recipeMaxBytes', options.recipeMaxBytes, DEFAULT_RECIPE_MAX_BYTES, 0),
    shareShapes: options.shareShapes ?? true,
    clock: options.clock ?? cache.clock,
    logger: options.logger ?? cache.logger,
    random,
  };
}
