import type { Cache, Clock, Logger } from '@gatecache/core';
import { accessTracker, cacheWarmer, warmingOffRoutes, warmingRoutes } from '@gatecache/warming';
import type { AccessTracker, CacheWarmer } from '@gatecache/warming';
import type { Router } from 'express';
import { routeTokens } from './env';
import type { GatecacheConfig } from './resolve';
import type { Upstreams } from './upstream';

export interface Warming {
  tracker: AccessTracker;
  warmer: CacheWarmer;
  /** `POST /api/cache/warm`, `GET /api/cache/warming/status`, `GET /api/cache/warming/patterns`. */
  routes: Router;
  close(): void;
}

interface Deps {
  cache: Cache;
  upstreams: Upstreams;
  clock: Clock;
  logger: Logger;
  env: NodeJS.ProcessEnv;
}

/**
 * The `warming:` block as @gatecache/warming's tracker, warmer and routes, built before any traffic because
 * the warmer keeps replay recipes from `set` events; undefined when off or without a gateway credential.
 */
export function buildWarming(config: GatecacheConfig, deps: Deps): Warming | undefined {
  const w = config.warming;
  const { cache, upstreams, clock, logger, env } = deps;
  if (!w.enabled) return undefined;
  if (!upstreams.openai && !upstreams.anthropic) {
    logger.warn(
      `${config.warmingPath}.enabled is true but the gateway has no upstream credential of its own ` +
        '(OPENAI_API_KEY / ANTHROPIC_API_KEY): warming is off',
    );
    return undefined;
  }
  // Without pattern analysis nothing is recorded, so no cycle could pick a candidate: only manual warms run.
  const tracker = accessTracker({
    ...(w.pattern_analysis ? { cache } : {}),
    patternWindow: w.pattern_window,
    clock,
  });
  if (!w.pattern_analysis) {
    logger.warn(
      `${config.warmingPath}.pattern_analysis is false: access patterns are not recorded, so no warming ` +
        'cycle runs; POST /api/cache/warm with keys or patterns still works',
    );
  }
  const analytics = config.analytics;
  const warmer = cacheWarmer({
    cache,
    tracker,
    upstream: upstreams,
    enabled: w.pattern_analysis,
    interval: w.interval,
    namespaces: w.namespaces,
    preloadPopular: w.preload_popular,
    preloadThreshold: w.preload_threshold,
    maxConcurrent: w.max_concurrent_warms,
    batchSize: w.warm_batch_size,
    budget: { perHour: w.max_warms_per_hour },
    predictive: w.enable_ml_predictions && w.prediction_model !== 'none',
    ...(w.prediction_model === 'linear_regression' ? { predictionModel: w.prediction_model } : {}),
    predictionWindow: w.prediction_window,
    pricing: analytics.enabled && analytics.track_costs ? analytics.pricing : {},
    // The response cache's cap: a warm never stores what a miss would not.
    ...(config.caching.response_cache.max_entry_kb !== undefined
      ? { maxEntryBytes: config.caching.response_cache.max_entry_kb * 1024 }
      : {}),
    clock,
    logger,
  });
  const s = config.security;
  const routes = warmingRoutes({
    warmer,
    tracker,
    ...routeTokens(s, env),
    env,
  });
  return {
    tracker,
    warmer,
    routes,
    close() {
      warmer.close();
      tracker.close();
    },
  };
}

/**
 * The warming routes of a gateway with warming off: JSON that says why and how to turn it on, on the same
 * paths and behind the same tokens, instead of Express's HTML 404.
 */
export function warmingOff(config: GatecacheConfig, deps: Pick<Deps, 'upstreams' | 'env'>): Router {
  const reason = config.warming.enabled
    ? 'the gateway has no upstream credential of its own; set OPENAI_API_KEY or ANTHROPIC_API_KEY'
    : `set ${config.warmingPath}.enabled: true in config.yaml`;
  return warmingOffRoutes({ reason, ...routeTokens(config.security, deps.env), env: deps.env });
}
