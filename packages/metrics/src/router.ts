import { Router } from 'express';
import type { NextFunction, Request, Response } from 'express';
import type { Cache, Clock } from '@gatecache/core';
import { systemClock } from '@gatecache/core';
import { createAlertEngine } from './alerts/engine';
import type { AlertState } from './alerts/engine';
import { compileRules } from './alerts/rules';
import type { AlertRulesInput } from './alerts/rules';
import { createCollector } from './collector';
import { CONTENT_TYPE } from './exposition';
import { cacheHealth, httpStatusOf, overallHealth } from './health';
import type { HealthOptions } from './health';
import { prometheusText } from './prometheus';
import { takeSnapshot } from './snapshot';
import { metricsJson, statsJson } from './stats-json';
import type { MemoryLimits, MetricSources } from './types';

export interface CacheMetricsOptions {
  /** The tiered cache to report on. Required. */
  cache: Cache;
  /** Prepended to every Prometheus metric name (`gateway_` -> `gateway_cache_hits_total`). Default ''. */
  prefix?: string;
  /** Path prefix for every route (`/ops` -> `/ops/metrics`). Default '' (the guide's paths). */
  mountPath?: string;
  /** Tiers whose failure makes `/health/cache` answer `down` with 503. Default [] (failures only degrade). */
  tiersRequired?: string[];
  /** Limits for `checks.memory` in `/health`. Default: none (always ok). */
  memoryLimits?: MemoryLimits;
  /** How long one tier's `health()` may take, in ms. Default 1000. */
  healthTimeoutMs?: number;
  /** The response cache's and the warmer's figures, rendered when given. */
  sources?: MetricSources;
  clock?: Clock;
  /** Process memory reader for `checks.memory`. Default `process.memoryUsage`. */
  memoryUsage?: () => NodeJS.MemoryUsage;
  /** Alert rules: the `alerts` list or the `alerting.cache` map; merged over the defaults by name. */
  alerts?: AlertRulesInput;
  /** Include the built-in rules (hit rate, memory, evictions, unusual access). Default true. */
  defaultAlerts?: boolean;
  /** Seconds between alert evaluations; 0 for none (call `evaluate()`). Default 60. */
  intervalSeconds?: number;
}

export type CacheMetricsRouter = Router & {
  /** Unhooks from the cache and stops timers. */
  close(): void;
  /** Evaluate the alert rules now. */
  evaluate(): Promise<AlertState[]>;
  /** Alert transitions as `transition` events (AlertTransition). */
  events: import('node:events').EventEmitter;
};

const PROM_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

function validate(options: CacheMetricsOptions): void {
  const o = options as Partial<CacheMetricsOptions> | undefined;
  if (!o || typeof o.cache?.stats !== 'function') throw new Error('cacheMetrics: options.cache is required');
  if (o.prefix !== undefined && o.prefix !== '' && !PROM_NAME.test(o.prefix)) {
    throw new Error(`cacheMetrics: options.prefix "${o.prefix}" is not a valid Prometheus name prefix`);
  }
  if (o.mountPath !== undefined && o.mountPath !== '' && !/^\/[^?#]*[^/]$/.test(o.mountPath)) {
    throw new Error(
      `cacheMetrics: options.mountPath must start with "/" and not end with one (got "${o.mountPath}")`,
    );
  }
  const names = new Set(o.cache.tiers.map((t) => t.name));
  for (const name of o.tiersRequired ?? []) {
    if (!names.has(name)) {
      throw new Error(
        `cacheMetrics: options.tiersRequired names "${name}", which is not a tier of the cache`,
      );
    }
  }
  for (const field of ['heapMb', 'rssMb'] as const) {
    const v = o.memoryLimits?.[field];
    if (v !== undefined && !(Number.isFinite(v) && v > 0)) {
      throw new Error(`cacheMetrics: options.memoryLimits.${field} must be a positive number`);
    }
  }
  if (o.healthTimeoutMs !== undefined && !(o.healthTimeoutMs > 0)) {
    throw new Error('cacheMetrics: options.healthTimeoutMs must be a positive number of ms');
  }
}

type AsyncHandler = (req: Request, res: Response) => Promise<void>;
// Express 4 does not catch rejected promises; hand them to next() ourselves.
const handle =
  (fn: AsyncHandler) =>
  (req: Request, res: Response, next: NextFunction): void => {
    fn(req, res).catch(next);
  };

/** Stats JSON, Prometheus text and health routes for one cache. */
export function cacheMetrics(options: CacheMetricsOptions): CacheMetricsRouter {
  validate(options);
  const {
    cache,
    prefix = '',
    mountPath = '',
    sources = {},
    clock = systemClock,
    tiersRequired = [],
    memoryLimits = {},
    healthTimeoutMs = 1000,
    memoryUsage = () => process.memoryUsage(),
    intervalSeconds = 60,
  } = options;
  if (!(Number.isFinite(intervalSeconds) && intervalSeconds >= 0)) {
    throw new Error('cacheMetrics: options.intervalSeconds must be a number of seconds >= 0');
  }
  const rules = compileRules(options.alerts, options.defaultAlerts !== false);
  const health: HealthOptions = { tiersRequired, timeoutMs: healthTimeoutMs, memoryLimits, memoryUsage };
  const collector = createCollector(cache);
  const engine = createAlertEngine({ rules, cache, collector, clock, intervalSeconds });
  const snapshot = () => takeSnapshot(cache, collector, sources, clock.now());
  const router = Router() as CacheMetricsRouter;
  const json = (res: Response, status: number, body: unknown): void => {
    res.status(status).set('Cache-Control', 'no-store').json(body);
  };

  router.get(
    `${mountPath}/api/cache/stats`,
    handle(async (_req, res) => json(res, 200, statsJson(await snapshot()))),
  );
  router.get(
    `${mountPath}/metrics`,
    handle(async (_req, res) => json(res, 200, metricsJson(await snapshot()))),
  );
  router.get(
    `${mountPath}/metrics/prometheus`,
    handle(async (_req, res) => {
      const text = prometheusText(await snapshot(), prefix);
      res.status(200).set('Content-Type', CONTENT_TYPE).set('Cache-Control', 'no-store').send(text);
    }),
  );
  router.get(
    `${mountPath}/health`,
    handle(async (_req, res) => {
      const body = await overallHealth(cache, health, clock.now());
      json(res, httpStatusOf(body.status), body);
    }),
  );
  router.get(
    `${mountPath}/health/cache`,
    handle(async (_req, res) => {
      const body = await cacheHealth(cache, health);
      json(res, httpStatusOf(body.status), { ...body, timestamp: new Date(clock.now()).toISOString() });
    }),
  );

  router.get(`${mountPath}/api/cache/alerts`, (_req: Request, res: Response) => {
    const alerts = engine.states();
    json(res, 200, {
      firing: alerts.filter((a) => a.state === 'firing').length,
      figures: engine.figures(),
      alerts,
    });
  });

  router.evaluate = engine.evaluate;
  router.events = engine.events;
  router.close = () => {
    engine.close();
    collector.close();
  };
  return router;
}
