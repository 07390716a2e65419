import type { Cache, Clock, Keyring, Logger, NamespaceOptions } from '@gatecache/core';
import {
  createCache,
  hasOwnKey,
  keyringFromEnv,
  ownValue,
  setOwn,
  silentLogger,
  systemClock,
} from '@gatecache/core';
import type { KeyOptions } from '@gatecache/cache-key';
import { cacheAdmin, redactConfig, tierPolicyFromConfig } from '@gatecache/admin';
import type { CacheAdminRouter, TierPolicy } from '@gatecache/admin';
import { DEFAULT_ALERT_RULES, alertsFromConfig, cacheMetrics, instrumentCache } from '@gatecache/metrics';
import type { CacheInstrumentation, CacheMetricsRouter } from '@gatecache/metrics';
import {
  DEFAULTS as RESPONSE_CACHE_DEFAULTS,
  defaultShouldCache,
  responseCache,
} from '@gatecache/response-cache';
import type { ResponseCacheMiddleware } from '@gatecache/response-cache';
import type { RedisStore } from '@gatecache/store-redis';
import type { ContextCondenserMiddleware } from '@gatecache/summary-cache';
import type { AccessTracker, CacheWarmer } from '@gatecache/warming';
import type { RequestHandler, Router } from 'express';
import { routeTokens } from './env';
import { ConfigError } from './errors';
import { startTelemetry } from './otel';
import type { Telemetry, TelemetryExtras } from './otel';
import type { GatecacheConfig, NamespaceName } from './resolve';
import { buildCondenser } from './summary';
import { buildTiers } from './tiers';
import type { Tiers } from './tiers';
import { checkUpstreams, upstreamsFromEnv } from './upstream';
import type { Upstreams } from './upstream';
import { buildWarming, warmingOff } from './warming';

export interface GatecacheOptions {
  /** Default: silent. `console` fits. */
  logger?: Logger;
  clock?: Clock;
  /** Where token, tenant-secret and encryption-key variables are read. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Extra OpenTelemetry readers/processors, on top of what `monitoring.opentelemetry` configures. */
  telemetry?: TelemetryExtras;
  /**
   * Providers the gateway calls itself (warming, summaries), with its own credential. Default: from `env`
   * (`OPENAI_API_KEY` + `OPENAI_BASE_URL`, `ANTHROPIC_API_KEY` + `ANTHROPIC_BASE_URL`).
   */
  upstream?: Upstreams;
}

export interface Gatecache {
  readonly config: GatecacheConfig;
  readonly cache: Cache;
  /** Mount in front of the proxy: `app.use('/v1', gc.responseCache, proxy)`. A pass-through when caching is off. */
  readonly responseCache: RequestHandler;
  /** The response cache middleware itself (stats, events); undefined when caching is off. */
  readonly responseCacheMiddleware?: ResponseCacheMiddleware;
  /** `/api/cache*`, `/api/config/cache`, `/debug/*`, `/logs/*`. */
  readonly admin: CacheAdminRouter;
  /** `/api/cache/stats`, `/metrics*`, `/health*`, `/api/cache/alerts`, `/api/cache/dashboard`. */
  readonly metrics: CacheMetricsRouter;
  /** `POST /api/cache/warm`, `/api/cache/warming/*`; with warming off they answer why in JSON. */
  readonly warmingRoutes: Router;
  /** The access tracker and the background warmer; undefined when warming is off. */
  readonly warming?: { tracker: AccessTracker; warmer: CacheWarmer };
  /**
   * Mount before the response cache on chat routes: condenses over-long conversations. A pass-through when
   * `summary_cache` is off or the gateway has no credential of its own.
   */
  readonly contextCondenser: RequestHandler;
  /** The condenser itself (stats, events); undefined when it is off. */
  readonly contextCondenserMiddleware?: ContextCondenserMiddleware;
  /** Every router, to mount with `app.use(gc.routers)`. */
  readonly routers: Router[];
  /** Key options the response cache uses (for explain routes and other keyers). */
  readonly keyOptions: KeyOptions;
  readonly redis?: RedisStore;
  readonly telemetry: Telemetry;
  /** Stop timers, flush telemetry and writes in flight, disconnect Redis. Safe to call twice. */
  close(): Promise<void>;
}

function namespaceOptions(config: GatecacheConfig, policy: TierPolicy): Record<string, NamespaceOptions> {
  // Partitions are byte caps: with size_based: false there is nothing to partition.
  const partitioned = !config.redis.enabled && policy.memory.maxSizeMb === undefined;
  const out: Record<string, NamespaceOptions> = {};
  for (const [name, ns] of Object.entries(config.namespaces)) {
    setOwn(out, name, {
      ttl: ns.ttl,
      staleWhileRevalidate: ns.staleWhileRevalidate,
      staleIfError: ns.staleIfError,
      compression: ns.compression,
      encrypt: ns.encrypt,
      // With Redis the local tier is small and shared; partitions are for the in-memory deployment.
      ...(partitioned ? { maxSizeMb: ns.maxSizeMb } : {}),
    });
  }
  return out;
}

function checkSecurity(config: GatecacheConfig, env: NodeJS.ProcessEnv): void {
  const s = config.security;
  if (s.require_admin_token && s.admin_auth && !ownValue(env, s.admin_token_env)) {
    throw new ConfigError([
      {
        path: 'security.require_admin_token',
        message: `${s.admin_token_env} is not set (the ${config.profile ?? ''} profile requires an admin token)`,
      },
    ]);
  }
  const encrypted = Object.entries(config.namespaces).filter(([, n]) => n.encrypt);
  if (encrypted.length > 0 && !env.GATECACHE_ENCRYPTION_KEY) {
    throw new ConfigError([
      {
        path: 'security.encryption',
        message: `namespaces ${encrypted.map(([n]) => n).join(', ')} are encrypted but GATECACHE_ENCRYPTION_KEY is not set`,
      },
    ]);
  }
}

/**
 * The whole stack from one configuration: tiers, namespaces, the response cache, the admin and metrics
 * routers, OpenTelemetry. Resolves once Redis (when configured) is connected and the bus is listening.
 */
export async function createGatecache(
  config: GatecacheConfig,
  options: GatecacheOptions = {},
): Promise<Gatecache> {
  const logger = options.logger ?? silentLogger;
  const clock = options.clock ?? systemClock;
  const env = options.env ?? process.env;
  checkSecurity(config, env);
  const upstreams = checkUpstreams(options.upstream ?? upstreamsFromEnv(env));
  const inv = config.invalidation;
  const policy = tierPolicyFromConfig({
    ttl_enabled: inv.ttl_enabled,
    lru_enabled: inv.lru_enabled,
    size_based: inv.size_based,
    max_ttl: inv.max_ttl,
  });
  const warnings = [...config.warnings, ...policy.warnings];
  if (config.redis.enabled && (!inv.ttl_enabled || !inv.size_based)) {
    warnings.push(
      'invalidation: the Redis tier always stores keys with an expiry and is bounded by the server ' +
        '(maxmemory); ttl_enabled/size_based: false apply to the memory and disk tiers only',
    );
  }
  for (const w of warnings) logger.warn(w);

  const tiers = buildTiers(config, { clock, logger, policy });
  const anyEncrypted = Object.values(config.namespaces).some((n) => n.encrypt);
  const keyring = anyEncrypted ? keyringFromEnv(env) : undefined;
  const cache = createCache({
    tiers: tiers.tiers,
    namespaces: namespaceOptions(config, policy),
    ...policy.cache,
    keyring,
    clock,
    logger,
  });
  try {
    return await assemble(config, {
      cache,
      tiers,
      keyring,
      clock,
      logger,
      env,
      upstreams,
      telemetry: options.telemetry,
    });
  } catch (err) {
    await cache.close();
    await tiers.close();
    throw err;
  }
}

interface Parts {
  cache: Cache;
  tiers: Tiers;
  keyring: Keyring | undefined;
  clock: Clock;
  logger: Logger;
  env: NodeJS.ProcessEnv;
  upstreams: Upstreams;
  telemetry?: TelemetryExtras;
}

async function assemble(config: GatecacheConfig, parts: Parts): Promise<Gatecache> {
  const { cache, tiers, keyring, clock, logger, env, upstreams } = parts;
  const closers: Array<() => unknown> = [];
  if (tiers.redis) await tiers.redis.ready();
  if (tiers.bus) {
    await tiers.bus.ready();
    closers.push(tiers.bus.attach(cache, tiers.local));
  }

  const keyOptions: KeyOptions = {
    scope: config.security.tenant_scope,
    tenantSecret: ownValue(env, config.security.tenant_secret_env) || undefined,
  };
  const ns = config.namespaces;
  const rc = config.caching.response_cache;
  // One setting for every per-tenant and per-model map and series (the caps of hostile input).
  const labelLimits = config.monitoring.label_limits;
  // One request body limit for both middlewares that read bodies (the response cache's default when unset).
  const maxBodyBytes =
    config.caching.max_body_kb !== undefined
      ? config.caching.max_body_kb * 1024
      : RESPONSE_CACHE_DEFAULTS.limits.bodyBytes;
  const middleware = ns.response.enabled
    ? responseCache({
        cache,
        key: keyOptions,
        ...(tiers.lock ? { lock: { backend: tiers.lock } } : {}),
        determinism: rc.determinism,
        variants: { count: rc.variants },
        limits: {
          bodyBytes: maxBodyBytes,
          entryBytes: rc.max_entry_kb !== undefined ? rc.max_entry_kb * 1024 : undefined,
        },
        timeouts: {
          drainAfterCloseMs:
            rc.drain_after_close !== undefined ? Math.round(rc.drain_after_close * 1000) : undefined,
          followerWaitMs: rc.follower_wait_ms,
        },
        accounting: {
          pricing: config.analytics.enabled && config.analytics.track_costs ? config.analytics.pricing : {},
          labelLimits,
        },
        // A namespace turned off in config is never read or written.
        shouldCache: (ctx) =>
          (ctx.route.endpoint === 'models' ? ns.models.enabled : true) && defaultShouldCache(ctx),
        logger,
      })
    : undefined;

  const condenser = buildCondenser(config, { cache, upstreams, keyOptions, maxBodyBytes, clock, logger });
  // Before the first write (the configuration below): the warmer keeps recipes from `set` events.
  const warming = buildWarming(config, { cache, upstreams, clock, logger, env });
  if (warming) closers.push(() => warming.close());

  const s = config.security;
  const admin = cacheAdmin({
    cache,
    ...routeTokens(s, env),
    key: keyOptions,
    config: redactConfig(config),
    // No `bus`: it is attached to the cache, whose deleteMatching/deleteMany emit the `delete` events it
    // publishes; passing it here too would publish every admin purge twice (see the README's decisions).
    manualEnabled: config.invalidation.manual_enabled,
    patternBased: config.invalidation.pattern_based,
    validation: {
      enabled: config.caching.enable_validation ?? false,
      intervalSeconds: config.caching.validation_interval,
    },
    schedules: config.invalidation.schedules,
    labelLimits,
    keyring,
    clock,
    env,
  });

  const alerting = config.alerting;
  const alertOptions = alertsFromConfig({
    monitoring: config.monitoring,
    alerting: { cache: alerting.cache },
    alerts: config.alerts,
  });
  const metrics = cacheMetrics({
    cache,
    prefix: config.monitoring.prometheus_prefix,
    tiersRequired: config.monitoring.tiers_required,
    memoryLimits: {
      heapMb: config.monitoring.memory_limits.heap_mb,
      rssMb: config.monitoring.memory_limits.rss_mb,
    },
    sources: {
      responseCache: middleware,
      ...(warming ? { warming: warming.warmer } : {}),
      ...(condenser ? { summary: condenser } : {}),
    },
    ...alertOptions,
    ...(alerting.enabled ? {} : { alerts: {}, intervalSeconds: 0 }),
    ...(alerting.default_rules ? {} : { alerts: withoutDefaults(alertOptions.alerts, config) }),
    webhookUrl: alerting.webhook_url,
    // The admin routes' rule: every route but /health asks for a token and answers 503 without one
    // configured; the scrape token opens /metrics/prometheus only.
    ...routeTokens(s, env),
    env,
    labelLimits,
    clock,
    logger,
  });

  const telemetry = startTelemetry(config, parts.telemetry);
  let instrumentation: CacheInstrumentation | undefined;
  if (telemetry.meter || telemetry.tracer) {
    instrumentation = instrumentCache(cache, {
      meter: telemetry.meter,
      tracer: telemetry.tracer,
      responseCache: middleware,
      labelLimits,
      clock,
    });
  }

  if (ns.config.enabled) {
    // The guide's configuration cache: the effective configuration, secrets redacted, under config:{hash}.
    await cache.set(config.source.key, { body: JSON.stringify(redactConfig(config)), kind: 'json' });
  }

  const warmingRouter = warming ? warming.routes : warmingOff(config, { upstreams, env });
  let closed: Promise<void> | undefined;
  return {
    config,
    cache,
    responseCache: middleware ?? ((_req, _res, next) => next()),
    responseCacheMiddleware: middleware,
    admin,
    metrics,
    warmingRoutes: warmingRouter,
    warming: warming ? { tracker: warming.tracker, warmer: warming.warmer } : undefined,
    contextCondenser: condenser ?? ((_req, _res, next) => next()),
    contextCondenserMiddleware: condenser,
    routers: [admin, metrics, warmingRouter],
    keyOptions,
    redis: tiers.redis,
    telemetry,
    close() {
      closed ??= (async () => {
        metrics.close();
        admin.close();
        instrumentation?.close();
        for (const c of closers) c();
        await telemetry.shutdown();
        await cache.close();
        await tiers.close();
      })();
      return closed;
    },
  };
}

/** `alerting.default_rules: false`: the built-in rules go, rules the file names itself stay. */
function withoutDefaults<T>(rules: Record<string, T>, config: GatecacheConfig): Record<string, T> {
  const own = new Set([...Object.keys(config.alerting.cache ?? {}), ...config.alerts.map((a) => a.name)]);
  return Object.fromEntries(
    Object.entries(rules).filter(([n]) => own.has(n) || !hasOwnKey(DEFAULT_ALERT_RULES, n)),
  );
}

export type { NamespaceName };
