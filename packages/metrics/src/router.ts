import { Router } from 'express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Cache, Clock, LabelLimits, Logger, OptionChecker } from '@gatecache/core';
import {
  DEFAULT_LABEL_LIMITS,
  createAuth,
  optionChecker,
  resolveLabelLimits,
  systemClock,
} from '@gatecache/core';
import { createAlertEngine } from './alerts/engine';
import type { AlertState, AlertTransition } from './alerts/engine';
import { alertPayload, createWebhook } from './alerts/webhook';
import type { AlertPayload, WebhookOptions } from './alerts/webhook';
import { dashboardHtml } from './dashboard';
import { hasEvents, trackSavings } from './savings';
import { compileRules } from './alerts/rules';
import type { AlertRulesInput } from './alerts/rules';
import { createCollector } from './collector';
import { CONTENT_TYPE } from './exposition';
import { cacheHealth, httpStatusOf, overallHealth, publicCacheHealth, publicHealth } from './health';
import type { HealthOptions } from './health';
import { prometheusText } from './prometheus';
import { takeSnapshot } from './snapshot';
import { metricsJson, statsJson } from './stats-json';
import type { MemoryLimits, MetricSources } from './types';

export interface CacheMetricsOptions {
  /** The tiered cache to report on. Required; defaults of the other options: `DEFAULTS`. */
  cache: Cache;
  /** Prepended to every Prometheus metric name (`gateway_` -> `gateway_cache_hits_total`). */
  prefix?: string;
  /** Path prefix for every route (`/ops` -> `/ops/metrics`). Empty: the guide's paths. */
  mountPath?: string;
  /** Tiers whose failure makes `/health/cache` answer `down` with 503. Empty: failures only degrade. */
  tiersRequired?: string[];
  /** Limits for `checks.memory` in `/health`. Default: none (always ok). */
  memoryLimits?: MemoryLimits;
  /** How long one tier's `health()` may take, in ms. */
  healthTimeoutMs?: number;
  /** The response cache's and the warmer's figures, rendered when given. */
  sources?: MetricSources;
  clock?: Clock;
  /** Process memory reader for `checks.memory`. Default `process.memoryUsage`. */
  memoryUsage?: () => NodeJS.MemoryUsage;
  /** Alert rules: the `alerts` list or the `alerting.cache` map; merged over the defaults by name. */
  alerts?: AlertRulesInput;
  /** Include the built-in rules (hit rate, memory, evictions, unusual access). */
  defaultAlerts?: boolean;
  /** Seconds between alert evaluations; 0 for none (call `evaluate()`). */
  intervalSeconds?: number;
  /** POST each alert that fires or resolves here as JSON (AlertPayload), with retries. Default none. */
  webhookUrl?: string;
  /** Retry and transport settings of the webhook (see WebhookOptions). */
  webhook?: Omit<WebhookOptions, 'url' | 'logger'>;
  /** Alert transitions and webhook failures are logged here. Default: core's silent logger. */
  logger?: Logger;
  /** Per-tier and per-namespace breakdowns in `/api/cache/stats` (the guide's `enable_detailed_stats`). */
  detailedStats?: boolean;
  /**
   * Admin token: opens every route. Default `env.GATECACHE_ADMIN_TOKEN`. Without one (and without
   * `auth: false`) every route but `GET /health` answers 503, as the admin routes do.
   */
  token?: string;
  /** Read-only token: opens every route here (they all only read). Default `env.GATECACHE_READ_TOKEN`. */
  readToken?: string;
  /** Scrape token: opens `GET /metrics/prometheus` only. Default `env.GATECACHE_SCRAPE_TOKEN`. */
  scrapeToken?: string;
  /** false turns authentication off on purpose (trusted networks, tests). */
  auth?: boolean;
  /** Where default tokens are read. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** @deprecated The former name of `token`; used when `token` is not given. */
  adminToken?: string;
  /** Dashboard refresh period in seconds. */
  dashboardRefreshSeconds?: number;
  /**
   * Distinct (model, tenant) pairs with their own `cache_tokens_saved_total` series (`pairs`); later ones are
   * counted under `other` and in `cache_labels_folded_total`.
   */
  labelLimits?: LabelLimits;
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

/** Every default of cacheMetrics' options, in one place; the option docs and the README point here. */
export const DEFAULTS = Object.freeze({
  prefix: '',
  mountPath: '',
  tiersRequired: Object.freeze([]) as readonly string[],
  healthTimeoutMs: 1000,
  defaultAlerts: true,
  intervalSeconds: 60,
  detailedStats: true,
  auth: true,
  dashboardRefreshSeconds: 5,
  labelLimits: DEFAULT_LABEL_LIMITS,
});

function validate(options: CacheMetricsOptions): void {
  const check: OptionChecker = optionChecker('cacheMetrics');
  check.object('options', options);
  const o = options as Partial<CacheMetricsOptions>;
  if (!o.cache) check.fail('cache', 'is required: a Cache from @gatecache/core createCache()');
  check.methods('cache', o.cache, ['stats'], 'a Cache from @gatecache/core createCache()');
  if (
    o.prefix !== undefined &&
    o.prefix !== '' &&
    !(typeof o.prefix === 'string' && PROM_NAME.test(o.prefix))
  ) {
    check.fail('prefix', `must be a valid Prometheus name prefix (got ${JSON.stringify(o.prefix)})`);
  }
  if (
    o.mountPath !== undefined &&
    o.mountPath !== '' &&
    !(typeof o.mountPath === 'string' && /^\/[^?#]*[^/]$/.test(o.mountPath))
  ) {
    check.fail('mountPath', `must start with "/" and not end with one (got ${JSON.stringify(o.mountPath)})`);
  }
  if (o.tiersRequired !== undefined && !Array.isArray(o.tiersRequired))
    check.fail('tiersRequired', 'must be an array of tier names');
  const names = new Set(o.cache.tiers.map((t) => t.name));
  for (const name of o.tiersRequired ?? []) {
    if (!names.has(name)) check.fail('tiersRequired', `names "${name}", which is not a tier of the cache`);
  }
  const limits = check.group('memoryLimits');
  limits.object('', o.memoryLimits);
  limits.positive('heapMb', o.memoryLimits?.heapMb);
  limits.positive('rssMb', o.memoryLimits?.rssMb);
  if (o.adminToken !== undefined && !(typeof o.adminToken === 'string' && o.adminToken.length >= 8)) {
    check.fail('adminToken', 'must be a string of at least 8 characters');
  }
  check.positive('healthTimeoutMs', o.healthTimeoutMs);
  check.nonNegative('intervalSeconds', o.intervalSeconds);
  check.boolean('defaultAlerts', o.defaultAlerts);
  check.boolean('detailedStats', o.detailedStats);
  check.boolean('auth', o.auth);
  if (
    o.dashboardRefreshSeconds !== undefined &&
    !(
      typeof o.dashboardRefreshSeconds === 'number' &&
      o.dashboardRefreshSeconds >= 1 &&
      Number.isFinite(o.dashboardRefreshSeconds)
    )
  ) {
    check.fail('dashboardRefreshSeconds', `must be a number >= 1 (got ${String(o.dashboardRefreshSeconds)})`);
  }
  check.string('webhookUrl', o.webhookUrl);
  check.fn('memoryUsage', o.memoryUsage);
  check.methods('clock', o.clock, ['now'], 'a Clock');
  check.methods('logger', o.logger, ['warn', 'info', 'debug'], 'a Logger');
}

type AsyncHandler = (req: Request, res: Response) => Promise<void>;
// Express 4 does not catch rejected promises; hand them to next() ourselves.
const handle =
  (fn: AsyncHandler) =>
  (req: Request, res: Response, next: NextFunction): void => {
    fn(req, res).catch(next);
  };

/** Stats JSON, Prometheus text, health, alerts and dashboard routes for one cache. */
export function cacheMetrics(options: CacheMetricsOptions): CacheMetricsRouter {
  validate(options);
  // The check is route middleware on every route below, never a lookup of `req.path`: Express matches
  // routes in any case, with a trailing slash and under any mount prefix, and each of those spellings
  // reaches the route together with its check.
  const guard = createAuth(
    {
      ...(options.token !== undefined || options.adminToken !== undefined
        ? { token: options.token ?? options.adminToken }
        : {}),
      ...(options.readToken !== undefined ? { readToken: options.readToken } : {}),
      ...(options.scrapeToken !== undefined ? { scrapeToken: options.scrapeToken } : {}),
      ...(options.auth !== undefined ? { auth: options.auth } : {}),
    },
    options.env ?? process.env,
    'cacheMetrics',
  );
  const {
    cache,
    prefix = DEFAULTS.prefix,
    mountPath = DEFAULTS.mountPath,
    sources = {},
    clock = systemClock,
    tiersRequired = [...DEFAULTS.tiersRequired],
    memoryLimits = {},
    healthTimeoutMs = DEFAULTS.healthTimeoutMs,
    memoryUsage = () => process.memoryUsage(),
    intervalSeconds = DEFAULTS.intervalSeconds,
  } = options;
  const rules = compileRules(options.alerts, options.defaultAlerts ?? DEFAULTS.defaultAlerts);
  const health: HealthOptions = { tiersRequired, timeoutMs: healthTimeoutMs, memoryLimits, memoryUsage };
  const collector = createCollector(cache);
  const engine = createAlertEngine({ rules, cache, collector, clock, intervalSeconds });
  const labelLimits = resolveLabelLimits('cacheMetrics: labelLimits', options.labelLimits);
  const savings = hasEvents(sources.responseCache)
    ? trackSavings(sources.responseCache, labelLimits.pairs)
    : undefined;
  const detailed = options.detailedStats ?? DEFAULTS.detailedStats;
  const snapshot = () =>
    takeSnapshot(cache, collector, sources, clock.now(), {
      ...(savings ? { savings: savings.rows(), savingsFolded: savings.folded() } : {}),
      detailed,
    });
  const logger = options.logger;
  const webhook = options.webhookUrl
    ? createWebhook({ ...options.webhook, url: options.webhookUrl, ...(logger ? { logger } : {}) })
    : undefined;
  const onTransition = (t: AlertTransition): void => {
    const fields = { alert: t.name, from: t.from, to: t.to, severity: t.severity, value: t.value };
    if (t.to === 'firing') logger?.warn(`alert ${t.name} firing: ${t.message}`, fields);
    else logger?.info(`alert ${t.name} ${t.from} -> ${t.to}`, fields);
    if (t.to !== 'firing' && t.to !== 'resolved') return;
    const payload: AlertPayload = alertPayload(t);
    // `notify_team` / `scale_resources` also reach in-process listeners, webhook or not.
    engine.events.emit('action', payload);
    if (webhook) void webhook.send(payload).then((ok) => engine.events.emit('delivered', { payload, ok }));
  };
  engine.events.on('transition', onTransition);
  const html = dashboardHtml({
    refreshSeconds: options.dashboardRefreshSeconds ?? DEFAULTS.dashboardRefreshSeconds,
    historyPoints: 60,
  });
  const router = Router() as CacheMetricsRouter;
  const read: RequestHandler = guard('read');
  const scrape: RequestHandler = guard('scrape');
  const dashboardAuth: RequestHandler = guard('read', { queryToken: true });
  const json = (res: Response, status: number, body: unknown): void => {
    res.status(status).set('Cache-Control', 'no-store').json(body);
  };

  router.get(
    `${mountPath}/api/cache/stats`,
    read,
    handle(async (_req, res) => json(res, 200, statsJson(await snapshot()))),
  );
  router.get(
    `${mountPath}/metrics`,
    read,
    handle(async (_req, res) => json(res, 200, metricsJson(await snapshot()))),
  );
  router.get(
    `${mountPath}/metrics/prometheus`,
    scrape,
    handle(async (_req, res) => {
      const text = prometheusText(await snapshot(), prefix);
      res.status(200).set('Content-Type', CONTENT_TYPE).set('Cache-Control', 'no-store').send(text);
    }),
  );
  // Public on purpose: load balancers probe it without a token. Without the read or admin token it tells
  // ok, degraded or down and nothing else (no tier names, error messages or memory figures).
  router.get(
    `${mountPath}/health`,
    handle(async (req, res) => {
      const body = await overallHealth(cache, health, clock.now());
      const who = guard.identify(req);
      const full = who !== undefined && who.scope !== 'scrape';
      json(res, httpStatusOf(body.status), full ? body : publicHealth(body));
    }),
  );
  // Public too, for probes that watch the tiers: without the read or admin token, each tier's state and
  // nothing more (no messages, which may name hosts or carry a store's error text).
  router.get(
    `${mountPath}/health/cache`,
    handle(async (req, res) => {
      const body = await cacheHealth(cache, health);
      const who = guard.identify(req);
      const full = who !== undefined && who.scope !== 'scrape';
      const shown = full ? body : publicCacheHealth(body);
      json(res, httpStatusOf(body.status), { ...shown, timestamp: new Date(clock.now()).toISOString() });
    }),
  );

  router.get(`${mountPath}/api/cache/alerts`, read, (_req: Request, res: Response) => {
    const alerts = engine.states();
    json(res, 200, {
      firing: alerts.filter((a) => a.state === 'firing').length,
      figures: engine.figures(),
      alerts,
    });
  });

  router.get(`${mountPath}/api/cache/dashboard`, dashboardAuth, (_req: Request, res: Response) => {
    res
      .status(200)
      .set('Content-Type', 'text/html; charset=utf-8')
      .set('Cache-Control', 'no-store')
      // The page may be opened with ?token=: no Referer may carry that URL anywhere.
      .set('Referrer-Policy', 'no-referrer')
      // Inline script and style only: nothing is loaded from anywhere else.
      .set(
        'Content-Security-Policy',
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; connect-src 'self'",
      )
      .send(html);
  });

  router.evaluate = engine.evaluate;
  router.events = engine.events;
  router.close = () => {
    engine.close();
    engine.events.off('transition', onTransition);
    collector.close();
    savings?.close();
  };
  return router;
}
