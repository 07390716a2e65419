import type { Cache, Clock, Logger } from '@gatecache/core';
import { globMatcher } from '@gatecache/core';
import { DEFAULTS as RESPONSE_DEFAULTS } from '@gatecache/response-cache';
import type { ModelPrice } from '@gatecache/response-cache';
import type { WarmBudget } from './budget';
import type { KeyInfo } from './key-info';
import type { AccessTracker } from './tracker';
import { upstreamReplay } from './upstream';
import type { ReplayFunction, UpstreamConfig } from './upstream';

export interface CacheWarmerOptions {
  /** The core cache the warmed answers go into. Required. */
  cache: Cache;
  /** Where popularity and request rates come from. Required. */
  tracker: AccessTracker;
  /** Providers the warmer calls with the gateway's credential. One of `upstream` or `replay` is required. */
  upstream?: UpstreamConfig;
  /** Custom replay (any client, a mock); takes precedence over `upstream`. */
  replay?: ReplayFunction;
  /** Run cycles on a timer. Default true (`warming.enabled`). Manual warms work either way. */
  enabled?: boolean;
  /** Seconds between cycles (`warming.interval`). Default 300. */
  interval?: number;
  /** Namespaces that opt in. Default ['models', 'config']; add 'response' to warm LLM answers. */
  namespaces?: string[];
  /** Warm keys whose recent requests reach `preloadThreshold` (`preload_popular`). Default true. */
  preloadPopular?: boolean;
  /** Requests within the pattern window that make a key worth warming (`preload_threshold`). Default 5. */
  preloadThreshold?: number;
  /** Refresh a popular entry this many seconds before it expires. Default 60. */
  refreshAhead?: number;
  /** Warms in flight at once (`max_concurrent_warms`). Default 4. */
  maxConcurrent?: number;
  /** Warms per cycle (`warm_batch_size`). Default 20. */
  batchSize?: number;
  budget?: WarmBudget;
  /** Tenant scopes never warmed (their answers depend on their own credential). Default []. */
  excludeTenants?: string[];
  /** Model globs never warmed. Default ['ft:*'] (OpenAI fine-tunes belong to one organisation). */
  excludeModels?: string[];
  /** Extra exclusion rule; true skips the key. */
  exclude?: (info: KeyInfo & { key: string }) => boolean;
  /** Also warm keys a forecast says will be requested (`enable_ml_predictions`). Default false. */
  predictive?: boolean;
  /** Only 'linear_regression' (`prediction_model`). */
  predictionModel?: 'linear_regression';
  /** Seconds ahead the forecast looks (`prediction_window`). Default: the interval. */
  predictionWindow?: number;
  /** USD per 1M tokens by model, for the cost budget. Default {}. */
  pricing?: Record<string, ModelPrice>;
  /** Give up on one warm after this long (ms). Default 120000. */
  timeoutMs?: number;
  /**
   * Largest answer a warm holds and stores (bytes, as received); a larger one is dropped as it arrives and
   * the warm fails with 'too-large'. Default the response cache's `DEFAULTS.limits.entryBytes`: give both the same.
   */
  maxEntryBytes?: number;
  clock?: Clock;
  logger?: Logger;
}

export interface ResolvedWarmerOptions {
  cache: Cache;
  tracker: AccessTracker;
  replay: ReplayFunction;
  enabled: boolean;
  intervalMs: number;
  namespaces: ReadonlySet<string>;
  preloadPopular: boolean;
  preloadThreshold: number;
  refreshAheadMs: number;
  maxConcurrent: number;
  batchSize: number;
  budget: WarmBudget & { perHour: number; perCycle: number };
  excluded: (info: KeyInfo & { key: string }) => boolean;
  predictive: boolean;
  predictionWindow: number;
  pricing: Record<string, ModelPrice>;
  maxEntryBytes: number;
  clock: Clock;
  logger: Logger;
}

function fail(path: string, message: string): never {
  throw new Error(`cacheWarmer: ${path} ${message}`);
}

function num(
  path: string,
  value: number | undefined,
  fallback: number,
  opts: { int?: boolean; min?: number } = {},
): number {
  if (value === undefined) return fallback;
  const min = opts.min ?? 0;
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < min ||
    (opts.int && !Number.isInteger(value))
  ) {
    fail(path, `must be ${opts.int ? 'an integer' : 'a number'} >= ${min} (got ${String(value)})`);
  }
  return value;
}

function strings(path: string, value: string[] | undefined, fallback: string[]): string[] {
  if (value === undefined) return fallback;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
    fail(path, 'must be an array of strings');
  return value;
}

/** Validates once, at creation; a bad option throws with its name. */
export function resolveWarmerOptions(o: CacheWarmerOptions): ResolvedWarmerOptions {
  if (!o || typeof o !== 'object') fail('options', 'must be an object');
  if (!o.cache || typeof o.cache.set !== 'function') fail('cache', 'must be a Cache from createCache()');
  if (!o.tracker || typeof o.tracker.popular !== 'function') fail('tracker', 'must be an accessTracker()');
  if (o.replay !== undefined && typeof o.replay !== 'function') fail('replay', 'must be a function');
  if (!o.replay && !o.upstream)
    fail('upstream', 'or replay is required: warming needs a way to call the provider');
  const timeoutMs = num('timeoutMs', o.timeoutMs, 120_000, { min: 1 });
  const maxEntryBytes = num('maxEntryBytes', o.maxEntryBytes, RESPONSE_DEFAULTS.limits.entryBytes, {
    int: true,
    min: 1,
  });
  const replay = o.replay ?? upstreamReplay(o.upstream as UpstreamConfig, timeoutMs, maxEntryBytes);
  if (o.predictionModel !== undefined && o.predictionModel !== 'linear_regression') {
    fail('predictionModel', `must be 'linear_regression' (got ${String(o.predictionModel)})`);
  }
  const interval = num('interval', o.interval, 300, { min: 1 });
  const batchSize = num('batchSize', o.batchSize, 20, { int: true, min: 1 });
  const b = o.budget ?? {};
  const budget = {
    perCycle: num('budget.perCycle', b.perCycle, batchSize, { int: true }),
    perHour: num('budget.perHour', b.perHour, 1000, { int: true }),
    ...(b.maxTokensPerHour !== undefined
      ? { maxTokensPerHour: num('budget.maxTokensPerHour', b.maxTokensPerHour, 0) }
      : {}),
    ...(b.maxCostUsdPerHour !== undefined
      ? { maxCostUsdPerHour: num('budget.maxCostUsdPerHour', b.maxCostUsdPerHour, 0) }
      : {}),
  };
  const tenants = new Set(strings('excludeTenants', o.excludeTenants, []));
  const models = strings('excludeModels', o.excludeModels, ['ft:*']).map(globMatcher);
  if (o.exclude !== undefined && typeof o.exclude !== 'function') fail('exclude', 'must be a function');
  const custom = o.exclude;
  return {
    cache: o.cache,
    tracker: o.tracker,
    replay,
    enabled: o.enabled ?? true,
    intervalMs: interval * 1000,
    namespaces: new Set(strings('namespaces', o.namespaces, ['models', 'config'])),
    preloadPopular: o.preloadPopular ?? true,
    preloadThreshold: num('preloadThreshold', o.preloadThreshold, 5),
    refreshAheadMs: num('refreshAhead', o.refreshAhead, 60) * 1000,
    maxConcurrent: num('maxConcurrent', o.maxConcurrent, 4, { int: true, min: 1 }),
    batchSize,
    budget,
    excluded: (info) =>
      (info.tenant !== undefined && tenants.has(info.tenant)) ||
      (info.model !== undefined && models.some((m) => m(info.model as string))) ||
      (custom?.(info) ?? false),
    predictive: o.predictive ?? false,
    predictionWindow: num('predictionWindow', o.predictionWindow, interval, { min: 1 }),
    pricing: o.pricing ?? {},
    maxEntryBytes,
    clock: o.clock ?? o.cache.clock,
    logger: o.logger ?? o.cache.logger,
  };
}
