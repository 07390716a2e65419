import type { Cache, Clock, GuardedLock, LabelLimits, Logger } from '@gatecache/core';
import { DEFAULT_LABEL_LIMITS, guardLock, resolveLabelLimits } from '@gatecache/core';
import { createKeyer, isKeyer } from '@gatecache/cache-key';
import type { Keyer, RouteInfo } from '@gatecache/cache-key';
import { DEFAULT_MAX_BODY_BYTES, DEFAULT_RECIPE_MAX_BYTES, isSecretHeader } from '@gatecache/providers';
import { defaultShouldCache } from './policy';
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
  maxEntryBytes: number;
  drainAfterCloseMs: number;
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
  labelLimits: Required<LabelLimits>;
}

/**
 * Requests naming a longer model pass through uncached: the model is part of the key, and every map of keys
 * (patterns, popularity, the disk index) would hold it. No provider names a model like that.
 */
export const MAX_MODEL_LENGTH = 256;

/** Ten minutes: the OpenAI SDK's own request timeout; a long non-streamed answer has its head only at the end. */
export const DEFAULT_FOLLOWER_WAIT_MS = 600_000;
/** The namespace the keyer puts responses in; `x-gatecache-namespace` may choose only from this list. */
export const DEFAULT_REQUEST_NAMESPACES: readonly string[] = Object.freeze(['response']);

/** The defaults of the options that have a fixed one (the others default to the cache's or to none). */
export const DEFAULTS = {
  maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
  /**
   * 8 MiB: a 30,000-token stream of OpenAI chunks (about 250 bytes per token) or a batch of a few hundred
   * embeddings fits; a larger answer passes through, streamed, without being held or stored.
   */
  maxEntryBytes: 8 * 1024 * 1024,
  /** Long enough for most answers to complete; a coalesced waiter keeps the call going regardless. */
  drainAfterCloseMs: 60_000,
  determinism: 'all' as Determinism,
  variants: 1,
  cacheUnknownEndpoints: false,
  lockTtlMs: 30_000,
  lockWaitMs: 60_000,
  upstreamTimeoutMs: 30_000,
  exposeKey: true,
  recordRecipes: true,
  recipeMaxBytes: DEFAULT_RECIPE_MAX_BYTES,
  shareShapes: true,
  followerWaitMs: DEFAULT_FOLLOWER_WAIT_MS,
  requestNamespaces: DEFAULT_REQUEST_NAMESPACES,
  labelLimits: DEFAULT_LABEL_LIMITS as Readonly<Required<LabelLimits>>,
} as const;

function fail(path: string, message: string): never {
  throw new TypeError(`responseCache: ${path} ${message}`);
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
  const determinism = options.determinism ?? DEFAULTS.determinism;
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
  const requestNamespaces = options.requestNamespaces ?? DEFAULTS.requestNamespaces;
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
    maxBodyBytes: positiveInt('maxBodyBytes', options.maxBodyBytes, DEFAULTS.maxBodyBytes, 0),
    maxEntryBytes: positiveInt('maxEntryBytes', options.maxEntryBytes, DEFAULTS.maxEntryBytes, 0),
    drainAfterCloseMs: positiveInt(
      'drainAfterCloseMs',
      options.drainAfterCloseMs,
      DEFAULTS.drainAfterCloseMs,
      0,
    ),
    determinism,
    variants: positiveInt('variants', options.variants, DEFAULTS.variants),
    ttl,
    hooksSeeRequest: options.shouldCache !== undefined || typeof ttlOption === 'function',
    // The default policy with `determinism: 'all'` admits everything: skipping it lets a hit skip the parse.
    ...(options.shouldCache !== undefined || determinism !== 'all'
      ? { shouldCache: options.shouldCache ?? defaultShouldCache }
      : {}),
    cacheUnknownEndpoints: options.cacheUnknownEndpoints ?? DEFAULTS.cacheUnknownEndpoints,
    ...(lock ? { lock: guardLock(lock, cache.guard, { logger: options.logger ?? cache.logger }) } : {}),
    lockTtlMs: positiveInt('lockTtlMs', options.lockTtlMs, DEFAULTS.lockTtlMs),
    lockWaitMs: positiveInt('lockWaitMs', options.lockWaitMs, DEFAULTS.lockWaitMs),
    upstreamTimeoutMs: positiveInt(
      'upstreamTimeoutMs',
      options.upstreamTimeoutMs,
      DEFAULTS.upstreamTimeoutMs,
    ),
    followerWaitMs: positiveInt('followerWaitMs', options.followerWaitMs, DEFAULTS.followerWaitMs),
    requestNamespaces: new Set(requestNamespaces),
    exposeKey: options.exposeKey ?? DEFAULTS.exposeKey,
    pricing,
    storeHeaders: new Set(storeHeaders.map((h) => h.toLowerCase())),
    recordRecipes: options.recordRecipes ?? DEFAULTS.recordRecipes,
    recipeHeaders: new Set(recipeHeaders.map((h) => h.toLowerCase())),
    recipeMaxBytes: positiveInt('recipeMaxBytes', options.recipeMaxBytes, DEFAULTS.recipeMaxBytes, 0),
    shareShapes: options.shareShapes ?? DEFAULTS.shareShapes,
    clock: options.clock ?? cache.clock,
    logger: options.logger ?? cache.logger,
    random,
    labelLimits: resolveLabelLimits('responseCache: labelLimits', options.labelLimits),
  };
}
