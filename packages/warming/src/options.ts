import type { Cache, Clock, Logger } from '@gatecache/core';
import { globMatcher, optionChecker } from '@gatecache/core';
import type { OptionChecker } from '@gatecache/core';
import type { ModelPrice } from '@gatecache/providers';
import type { WarmBudget } from './budget';
import { DEFAULTS } from './defaults';
import type { KeyInfo } from './key-info';
import type { AccessTracker } from './tracker';
import { upstreamReplay } from './upstream';
import type { ReplayFunction, UpstreamConfig } from './upstream';

export interface CacheWarmerOptions {
  /** The core cache the warmed answers go into. Required; defaults of the other options: `DEFAULTS.cacheWarmer`. */
  cache: Cache;
  /** Where popularity and request rates come from. Required. */
  tracker: AccessTracker;
  /** Providers the warmer calls with the gateway's credential. One of `upstream` or `replay` is required. */
  upstream?: UpstreamConfig;
  /** Custom replay (any client, a mock); takes precedence over `upstream`. */
  replay?: ReplayFunction;
  /** Run cycles on a timer. (`warming.enabled`). Manual warms work either way. */
  enabled?: boolean;
  /** Seconds between cycles (`warming.interval`). */
  interval?: number;
  /** Namespaces that opt in. Add 'response' to warm LLM answers. */
  namespaces?: string[];
  /** Warm keys whose recent requests reach `preloadThreshold` (`preload_popular`). */
  preloadPopular?: boolean;
  /** Requests within the pattern window that make a key worth warming (`preload_threshold`). */
  preloadThreshold?: number;
  /** Refresh a popular entry this many seconds before it expires. */
  refreshAhead?: number;
  /** Warms in flight at once (`max_concurrent_warms`). */
  maxConcurrent?: number;
  /** Warms per cycle (`warm_batch_size`). */
  batchSize?: number;
  budget?: WarmBudget;
  /** Tenant scopes never warmed (their answers depend on their own credential). */
  excludeTenants?: string[];
  /** Model globs never warmed (OpenAI fine-tunes by default: they belong to one organisation). */
  excludeModels?: string[];
  /** Extra exclusion rule; true skips the key. */
  exclude?: (info: KeyInfo & { key: string }) => boolean;
  /** Also warm keys a forecast says will be requested (`enable_ml_predictions`). */
  predictive?: boolean;
  /** Only 'linear_regression' (`prediction_model`). */
  predictionModel?: 'linear_regression';
  /** Seconds ahead the forecast looks (`prediction_window`); by default the interval. */
  predictionWindow?: number;
  /** USD per 1M tokens by model, for the cost budget. */
  pricing?: Record<string, ModelPrice>;
  /** Give up on one warm after this long (ms). */
  timeoutMs?: number;
  /**
   * Largest answer a warm holds and stores (bytes, as received); a larger one is dropped as it arrives and
   * the warm fails with 'too-large'. The default is the response cache's: give both the same.
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

function strings(check: OptionChecker, path: string, value: unknown, fallback: readonly string[]): string[] {
  if (value === undefined) return [...fallback];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
    check.fail(path, 'must be an array of strings');
  return value as string[];
}

/** Validates once, at creation; a bad option throws a TypeError with its name. */
export function resolveWarmerOptions(o: CacheWarmerOptions): ResolvedWarmerOptions {
  const check: OptionChecker = optionChecker('cacheWarmer');
  const d = DEFAULTS.cacheWarmer;
  check.object('options', o);
  if (!o.cache) check.fail('cache', 'is required: a Cache from createCache()');
  check.methods('cache', o.cache, ['get', 'set'], 'a Cache from createCache()');
  if (!o.tracker) check.fail('tracker', 'is required: an accessTracker()');
  check.methods('tracker', o.tracker, ['popular'], 'an accessTracker()');
  check.fn('replay', o.replay);
  if (!o.replay && !o.upstream)
    check.fail('upstream', 'or replay is required: warming needs a way to call the provider');
  const timeoutMs = check.positive('timeoutMs', o.timeoutMs, d.timeoutMs);
  const maxEntryBytes = check.positiveInt('maxEntryBytes', o.maxEntryBytes, d.maxEntryBytes);
  const replay = o.replay ?? upstreamReplay(o.upstream as UpstreamConfig, timeoutMs, maxEntryBytes);
  check.oneOf('predictionModel', o.predictionModel, [d.predictionModel]);
  const interval = check.positive('interval', o.interval, d.interval);
  const batchSize = check.positiveInt('batchSize', o.batchSize, d.batchSize);
  const b = check.object('budget', o.budget);
  const bc = check.group('budget');
  const budget = {
    perCycle: bc.nonNegativeInt('perCycle', b.perCycle, batchSize),
    perHour: bc.nonNegativeInt('perHour', b.perHour, d.budget.perHour),
    ...(b.maxTokensPerHour !== undefined
      ? { maxTokensPerHour: bc.nonNegative('maxTokensPerHour', b.maxTokensPerHour, 0) }
      : {}),
    ...(b.maxCostUsdPerHour !== undefined
      ? { maxCostUsdPerHour: bc.nonNegative('maxCostUsdPerHour', b.maxCostUsdPerHour, 0) }
      : {}),
  };
  const tenants = new Set(strings(check, 'excludeTenants', o.excludeTenants, d.excludeTenants));
  const models = strings(check, 'excludeModels', o.excludeModels, d.excludeModels).map(globMatcher);
  const custom = check.fn('exclude', o.exclude);
  check.object('pricing', o.pricing);
  check.methods('clock', o.clock, ['now'], 'a Clock');
  check.methods('logger', o.logger, ['warn', 'info', 'debug'], 'a Logger');
  return {
    cache: o.cache,
    tracker: o.tracker,
    replay,
    enabled: check.boolean('enabled', o.enabled, d.enabled),
    intervalMs: interval * 1000,
    namespaces: new Set(strings(check, 'namespaces', o.namespaces, d.namespaces)),
    preloadPopular: check.boolean('preloadPopular', o.preloadPopular, d.preloadPopular),
    preloadThreshold: check.nonNegative('preloadThreshold', o.preloadThreshold, d.preloadThreshold),
    refreshAheadMs: check.nonNegative('refreshAhead', o.refreshAhead, d.refreshAhead) * 1000,
    maxConcurrent: check.positiveInt('maxConcurrent', o.maxConcurrent, d.maxConcurrent),
    batchSize,
    budget,
    excluded: (info) =>
      (info.tenant !== undefined && tenants.has(info.tenant)) ||
      (info.model !== undefined && models.some((m) => m(info.model as string))) ||
      (custom?.(info) ?? false),
    predictive: check.boolean('predictive', o.predictive, d.predictive),
    predictionWindow: check.positive('predictionWindow', o.predictionWindow, interval),
    pricing: o.pricing ?? {},
    maxEntryBytes,
    clock: o.clock ?? o.cache.clock,
    logger: o.logger ?? o.cache.logger,
  };
}
