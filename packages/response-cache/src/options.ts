import type {
  Cache,
  Clock,
  DistributedLock,
  GuardedLock,
  LabelLimits,
  Logger,
  OptionChecker,
} from '@gatecache/core';
import { DEFAULT_LABEL_LIMITS, guardLock, optionChecker, resolveLabelLimits } from '@gatecache/core';
import { createKeyer, isKeyer } from '@gatecache/cache-key';
import type { Keyer, RouteInfo } from '@gatecache/cache-key';
import {
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_ENTRY_BYTES,
  DEFAULT_RECIPE_MAX_BYTES,
  isSecretHeader,
} from '@gatecache/providers';
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

/**
 * Every default of `ResponseCacheOptions`, at the option's own path (`DEFAULTS.timeouts.followerWaitMs` is
 * the default of `timeouts.followerWaitMs`). The docs point here rather than repeat the values. Options not
 * listed default to the cache's (`logger`) or to none (`key`, `ttl`, `shouldCache`, `lock`).
 */
// shareShapes pays where Express gives every request a hidden class of its own (V8 of Node 20 and 22) and costs
// where it does not (Node 24): bench:shapes, docs/benchmarks.md.
const EXPRESS_SPLITS_SHAPES = Number(process.versions.node.split('.')[0]) < 24;

export const DEFAULTS = deepFreeze({
  determinism: 'all' as Determinism,
  cacheUnknownEndpoints: false,
  /** The namespace the keyer puts responses in. */
  requestNamespaces: ['response'] as readonly string[],
  shareShapes: EXPRESS_SPLITS_SHAPES,
  variants: { count: 1, random: Math.random as () => number },
  limits: {
    bodyBytes: DEFAULT_MAX_BODY_BYTES,
    entryBytes: DEFAULT_MAX_ENTRY_BYTES,
  },
  timeouts: {
    upstreamMs: 30_000,
    /** Ten minutes: the OpenAI SDK's own request timeout; a long non-streamed answer has its head only at the end. */
    followerWaitMs: 600_000,
    /** Long enough for most answers to complete; a coalesced waiter keeps the call going regardless. */
    drainAfterCloseMs: 60_000,
  },
  lock: { ttlMs: 30_000, waitMs: 60_000 },
  headers: { exposeKey: true, store: [] as readonly string[] },
  recipes: { record: true, headers: [] as readonly string[], maxBytes: DEFAULT_RECIPE_MAX_BYTES },
  accounting: {
    pricing: {} as Readonly<Record<string, ModelPrice>>,
    labelLimits: { ...DEFAULT_LABEL_LIMITS } as Readonly<Required<LabelLimits>>,
  },
});

function deepFreeze<T extends object>(value: T): T {
  for (const v of Object.values(value)) if (v && typeof v === 'object') deepFreeze(v as object);
  return Object.freeze(value);
}

/** Where the flat options of earlier releases went: named in the error for an option left at the old place. */
const MOVED: ReadonlyMap<string, string> = new Map([
  ['maxBodyBytes', 'limits.bodyBytes'],
  ['maxEntryBytes', 'limits.entryBytes'],
  ['upstreamTimeoutMs', 'timeouts.upstreamMs'],
  ['followerWaitMs', 'timeouts.followerWaitMs'],
  ['drainAfterCloseMs', 'timeouts.drainAfterCloseMs'],
  ['lockTtlMs', 'lock.ttlMs'],
  ['lockWaitMs', 'lock.waitMs'],
  ['exposeKey', 'headers.exposeKey'],
  ['storeHeaders', 'headers.store'],
  ['recordRecipes', 'recipes.record'],
  ['recipeHeaders', 'recipes.headers'],
  ['recipeMaxBytes', 'recipes.maxBytes'],
  ['pricing', 'accounting.pricing'],
  ['labelLimits', 'accounting.labelLimits'],
  ['random', 'variants.random'],
  ['clock', "the cache's clock"],
]);

const TOP_LEVEL = new Set([
  'cache',
  'key',
  'ttl',
  'shouldCache',
  'determinism',
  'cacheUnknownEndpoints',
  'requestNamespaces',
  'variants',
  'limits',
  'timeouts',
  'lock',
  'headers',
  'recipes',
  'accounting',
  'shareShapes',
  'logger',
]);

/** Response headers that describe one delivery, or a credential: never stored. */
const UNSTORABLE_HEADERS = new Set([
  'set-cookie',
  'content-length',
  'content-encoding',
  'transfer-encoding',
  'connection',
  'authorization',
]);

const check: OptionChecker = optionChecker('responseCache');

/**
 * A group of options (`limits`, `lock`, ...): undefined becomes `{}`; anything but a plain object, or a member
 * the group does not have, throws.
 */
function group(path: string, value: unknown, members: readonly string[]): Record<string, unknown> {
  const members_ = check.object(path, value as Record<string, unknown> | undefined);
  for (const name of Object.keys(members_)) {
    if (!members.includes(name))
      check.fail(`${path}.${name}`, `is not an option (${path} has ${members.join(', ')})`);
  }
  return members_;
}

/** A list of header names, lower-cased; `refuse` names one that is not allowed, with the reason. */
function headerNames(
  path: string,
  value: unknown,
  refuse: (name: string) => string | undefined,
): Set<string> {
  if (!Array.isArray(value) || value.some((h) => typeof h !== 'string'))
    check.fail(path, 'must be an array of header names');
  const names = (value as string[]).map((h) => h.toLowerCase());
  for (const name of names) {
    const why = refuse(name);
    if (why) check.fail(path, `cannot include "${name}": ${why}`);
  }
  return new Set(names);
}

function pricingOf(value: unknown): Record<string, ModelPrice> {
  const pricing = check.object('accounting.pricing', value as Record<string, ModelPrice> | undefined);
  for (const [model, price] of Object.entries(pricing)) {
    if (!price || !(price.input >= 0) || !(price.output >= 0)) {
      check.fail(`accounting.pricing.${model}`, 'must be { input, output } USD per 1M tokens, each >= 0');
    }
  }
  return pricing;
}

function ttlOf(value: ResponseCacheOptions['ttl']): ResolvedOptions['ttl'] {
  if (value === undefined) return () => undefined;
  if (typeof value === 'function') return value;
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return () => value;
  return check.fail('ttl', `must be seconds >= 0 or a function (got ${String(value)})`);
}

function lockOf(
  value: unknown,
  cache: Cache,
  logger: Logger,
): Pick<ResolvedOptions, 'lock' | 'lockTtlMs' | 'lockWaitMs'> {
  const lock = group('lock', value, ['backend', 'ttlMs', 'waitMs']);
  const backend = lock.backend as DistributedLock | undefined;
  if (value !== undefined && backend === undefined)
    check.fail('lock.backend', 'must be a DistributedLock (acquire, waitForRelease)');
  check.methods('lock.backend', backend, ['acquire', 'waitForRelease'], 'a DistributedLock');
  return {
    ...(backend ? { lock: guardLock(backend, cache.guard, { logger }) } : {}),
    lockTtlMs: check.positiveInt('lock.ttlMs', lock.ttlMs, DEFAULTS.lock.ttlMs),
    lockWaitMs: check.positiveInt('lock.waitMs', lock.waitMs, DEFAULTS.lock.waitMs),
  };
}

function requestNamespacesOf(value: unknown, cache: Cache): Set<string> {
  const names = value ?? DEFAULTS.requestNamespaces;
  if (!Array.isArray(names)) check.fail('requestNamespaces', 'must be an array');
  names.forEach((name: unknown, i) => {
    if (typeof name !== 'string' || cache.namespace(name).name !== name) {
      check.fail(
        `requestNamespaces[${i}]`,
        `must name a namespace configured on the cache (got ${String(name)})`,
      );
    }
  });
  return new Set(names as string[]);
}

/** Validates the options once, at creation, and fills in defaults; a bad option throws with its path. */
export function resolveOptions(options: ResponseCacheOptions): ResolvedOptions {
  if (!options || typeof options !== 'object')
    check.fail('options', 'must be an object with at least `cache`');
  for (const name of Object.keys(options)) {
    const moved = MOVED.get(name);
    if (moved) check.fail(name, `is not an option any more: use ${moved}`);
    if (!TOP_LEVEL.has(name)) check.fail(name, 'is not an option');
  }
  const cache = check.methods('cache', options.cache ?? null, ['get', 'set'], 'a Cache from createCache()')!;
  const logger = check.methods('logger', options.logger ?? cache.logger, ['warn', 'error'], 'a Logger')!;
  const keyer = isKeyer(options.key) ? options.key : createKeyer(options.key);
  const determinism = check.oneOf(
    'determinism',
    options.determinism,
    ['all', 'deterministic'],
    DEFAULTS.determinism,
  );
  check.fn('shouldCache', options.shouldCache);
  const variants = group('variants', options.variants, ['count', 'random']);
  const random = check.fn(
    'variants.random',
    variants.random as (() => number) | undefined,
    DEFAULTS.variants.random,
  )!;
  const limits = group('limits', options.limits, ['bodyBytes', 'entryBytes']);
  const timeouts = group('timeouts', options.timeouts, ['upstreamMs', 'followerWaitMs', 'drainAfterCloseMs']);
  const headers = group('headers', options.headers, ['exposeKey', 'store']);
  const recipes = group('recipes', options.recipes, ['record', 'headers', 'maxBytes']);
  const accounting = group('accounting', options.accounting, ['pricing', 'labelLimits']);
  return {
    cache,
    keyer,
    maxBodyBytes: check.nonNegativeInt('limits.bodyBytes', limits.bodyBytes, DEFAULTS.limits.bodyBytes),
    maxEntryBytes: check.nonNegativeInt('limits.entryBytes', limits.entryBytes, DEFAULTS.limits.entryBytes),
    drainAfterCloseMs: check.nonNegativeInt(
      'timeouts.drainAfterCloseMs',
      timeouts.drainAfterCloseMs,
      DEFAULTS.timeouts.drainAfterCloseMs,
    ),
    upstreamTimeoutMs: check.positiveInt(
      'timeouts.upstreamMs',
      timeouts.upstreamMs,
      DEFAULTS.timeouts.upstreamMs,
    ),
    followerWaitMs: check.positiveInt(
      'timeouts.followerWaitMs',
      timeouts.followerWaitMs,
      DEFAULTS.timeouts.followerWaitMs,
    ),
    determinism,
    variants: check.positiveInt('variants.count', variants.count, DEFAULTS.variants.count),
    random,
    ttl: ttlOf(options.ttl),
    hooksSeeRequest: options.shouldCache !== undefined || typeof options.ttl === 'function',
    // The default policy with `determinism: 'all'` admits everything: skipping it lets a hit skip the parse.
    ...(options.shouldCache !== undefined || determinism !== 'all'
      ? { shouldCache: options.shouldCache ?? defaultShouldCache }
      : {}),
    cacheUnknownEndpoints: check.boolean(
      'cacheUnknownEndpoints',
      options.cacheUnknownEndpoints,
      DEFAULTS.cacheUnknownEndpoints,
    ),
    ...lockOf(options.lock, cache, logger),
    requestNamespaces: requestNamespacesOf(options.requestNamespaces, cache),
    exposeKey: check.boolean('headers.exposeKey', headers.exposeKey, DEFAULTS.headers.exposeKey),
    storeHeaders: headerNames('headers.store', headers.store ?? DEFAULTS.headers.store, (name) =>
      UNSTORABLE_HEADERS.has(name) ? 'it describes one delivery or carries a credential' : undefined,
    ),
    pricing: pricingOf(accounting.pricing ?? DEFAULTS.accounting.pricing),
    labelLimits: resolveLabelLimits(
      'responseCache: accounting.labelLimits',
      (accounting.labelLimits ?? DEFAULTS.accounting.labelLimits) as LabelLimits,
    ),
    recordRecipes: check.boolean('recipes.record', recipes.record, DEFAULTS.recipes.record),
    recipeHeaders: headerNames('recipes.headers', recipes.headers ?? DEFAULTS.recipes.headers, (name) =>
      isSecretHeader(name) ? 'it may carry a credential' : undefined,
    ),
    recipeMaxBytes: check.nonNegativeInt('recipes.maxBytes', recipes.maxBytes, DEFAULTS.recipes.maxBytes),
    shareShapes: check.boolean('shareShapes', options.shareShapes, DEFAULTS.shareShapes),
    clock: cache.clock,
    logger,
  };
}
