import { z } from 'zod';
import { bool, int, num, oneOf, seconds, text } from './values';

// The caching guide's config.yaml. Values that layer (a namespace's own value over a global one over the
// guide's default) are optional here and resolved in resolve.ts; everything else carries its default.

const compression = z.preprocess(
  (v) => (v === 'true' ? true : v === 'false' || v === 'none' ? false : v),
  z.union([z.boolean(), z.enum(['gzip', 'br', 'zstd'])], {
    error: 'must be true, false, none, gzip, br or zstd',
  }),
);

const namespaceShape = {
  enabled: bool().optional(),
  max_size_mb: num(0.01).optional(),
  ttl: seconds(0).optional(),
  compression: compression.optional(),
  compression_level: int(0, 22).optional(),
  stale_while_revalidate: seconds(0).optional(),
  stale_if_error: seconds(0).optional(),
  encrypt: bool().optional(),
};

export const namespaceSchema = z.strictObject(namespaceShape);

export const responseNamespaceSchema = z.strictObject({
  ...namespaceShape,
  /** Longest wait (ms) of a collapsed request for the upstream call it joined: the proxy's upstream timeout. */
  follower_wait_ms: int(1, 86_400_000).optional(),
  /** Which generations are cached: every answer, or only temperature 0 / seeded ones. */
  determinism: oneOf(['all', 'deterministic'] as const).optional(),
  variants: int(1, 64).optional(),
  // Moved up to caching.max_body_kb: one limit for the response cache and the context condenser.
  max_body_kb: z
    .undefined({ error: 'moved to caching.max_body_kb (it bounds the context condenser too)' })
    .optional(),
  /** Largest answer held and stored (KB, as received); larger ones pass through unstored. Default 8192. */
  max_entry_kb: int(1, 1024 * 1024).optional(),
  /** How long an answer keeps draining into the cache after its client left, with no waiter. Default 60 s. */
  drain_after_close: seconds(0).optional(),
});

/** The summary namespace also configures context condensation (@gatecache/summary-cache). */
export const summaryNamespaceSchema = z.strictObject({
  ...namespaceShape,
  /** Upstream that writes the summaries. Default: openai when it is configured, else anthropic. */
  provider: oneOf(['openai', 'anthropic'] as const).optional(),
  /** Summarizing model. Default: gpt-4o-mini (openai), claude-haiku-4-5 (anthropic). */
  model: text().min(1).optional(),
  /** Prompt budget cap below the model's context window (cost control). Default: the window. */
  max_context_tokens: int(1).optional(),
  block_messages: int(1, 10000).optional(),
  min_recent_messages: int(1, 10000).optional(),
  summary_max_tokens: int(1, 100000).optional(),
  safety_margin_tokens: int(0).optional(),
  default_output_tokens: int(0).optional(),
  /** Context windows (tokens) by model name or prefix, over the built-in table. */
  context_windows: z.record(text(), int(1)).optional(),
  /** Give up on one summarizer call after this long. Default 60 s. */
  timeout: seconds(0.001).optional(),
});

export const warmingSchema = z.strictObject({
  enabled: bool().default(true),
  interval: seconds(1).default(300),
  preload_popular: bool().default(true),
  preload_threshold: int(1).default(10),
  max_concurrent_warms: int(1, 1000).default(5),
  warm_batch_size: int(1, 100000).default(10),
  pattern_window: seconds(1).default(3600),
  prediction_window: seconds(1).default(1800),
  prediction_model: oneOf(['linear_regression', 'none'] as const).default('linear_regression'),
  // The guide spells this both ways; resolve.ts merges them (and refuses two different values).
  pattern_analysis: bool().optional(),
  enable_pattern_analysis: bool().optional(),
  enable_ml_predictions: bool().default(false),
  prediction_interval: seconds(1).default(600),
  /** Namespaces whose entries may be refreshed in the background. */
  namespaces: z.array(text()).default(['models', 'config']),
  max_warms_per_hour: int(0).default(1000),
});

export const cachingSchema = z.strictObject({
  enabled: bool().default(true),
  default_ttl: seconds(1).optional(),
  max_memory_mb: num(1).optional(),
  enable_compression: bool().optional(),
  compression_threshold: int(0).default(1024),
  enable_validation: bool().optional(),
  validation_interval: seconds(1).default(3600),
  /** Largest request body read, keyed and condensed; larger ones pass through unread. Default 1024 (1 MiB). */
  max_body_kb: int(1, 1024 * 1024).optional(),
  response_cache: responseNamespaceSchema.prefault({}),
  summary_cache: summaryNamespaceSchema.prefault({}),
  model_cache: namespaceSchema.prefault({}),
  config_cache: namespaceSchema.prefault({}),
  warming: warmingSchema.optional(),
});

export const invalidationSchema = z.strictObject({
  // Applied through tierPolicyFromConfig of @gatecache/admin (see createGatecache).
  ttl_enabled: bool().default(true),
  lru_enabled: bool().default(true),
  size_based: bool().default(true),
  manual_enabled: bool().default(true),
  pattern_based: bool().default(true),
  max_ttl: seconds(1).default(86400),
  schedules: z
    .array(
      z.strictObject({
        pattern: text().min(1),
        at: text().regex(/^\d\d:\d\d-\d\d:\d\d$/, 'must be HH:MM-HH:MM'),
      }),
    )
    .default([]),
});

export const alertRuleSchema = z.strictObject({
  name: text().min(1).optional(),
  condition: text().min(1, 'must not be empty'),
  severity: oneOf(['info', 'warning', 'critical'] as const).optional(),
  message: text().optional(),
  action: text().optional(),
  for: z.union([z.number(), text()]).optional(),
});

export const monitoringSchema = z.strictObject({
  enable_detailed_stats: bool().default(true),
  metrics_interval: seconds(1).default(60),
  alert_on_low_hit_rate: bool().default(true),
  hit_rate_threshold: num(0, 1).default(0.7),
  prometheus_prefix: text()
    .regex(/^([a-zA-Z_:][a-zA-Z0-9_:]*)?$/, 'must be a valid Prometheus name prefix')
    .default(''),
  /** Tiers whose failure makes /health/cache answer 503. */
  tiers_required: z.array(text()).default([]),
  memory_limits: z.strictObject({ heap_mb: num(1).optional(), rss_mb: num(1).optional() }).prefault({}),
  /** Distinct tenants, models and (model, tenant) pairs with their own stats buckets and series. */
  label_limits: z
    .strictObject({ tenants: int(0).optional(), models: int(0).optional(), pairs: int(0).optional() })
    .prefault({}),
  opentelemetry: z
    .strictObject({
      enabled: bool().default(false),
      service_name: text().min(1).default('gatecache'),
      metrics: bool().default(true),
      traces: bool().default(true),
      /** OTLP/HTTP base URL (`http://collector:4318`); none: no OTLP export. */
      otlp_endpoint: text().url('must be a URL').optional(),
      export_interval: seconds(1).default(60),
      prometheus: z
        .strictObject({
          enabled: bool().default(false),
          host: text().default('0.0.0.0'),
          port: int(0, 65535).default(9464),
          endpoint: text().startsWith('/', 'must start with /').default('/metrics'),
        })
        .prefault({}),
    })
    .prefault({}),
});

export const alertingSchema = z.strictObject({
  enabled: bool().default(true),
  /** Keep the built-in rules (hit rate, memory, evictions, unusual access) next to the configured ones. */
  default_rules: bool().default(true),
  /** Alert transitions are POSTed here (with retries). */
  webhook_url: text().url('must be a URL').optional(),
  cache: z.record(text(), alertRuleSchema).optional(),
});

export const analyticsSchema = z.strictObject({
  enabled: bool().default(true),
  track_costs: bool().default(true),
  /**
   * USD per one million tokens, by model name or prefix; `cachedInput` and `cacheWrite` price the provider's
   * prompt-cache reads and writes (default 0.1 and 1.25 times `input`).
   */
  pricing: z
    .record(
      text(),
      z.strictObject({
        input: num(0),
        output: num(0),
        cachedInput: num(0).optional(),
        cacheWrite: num(0).optional(),
      }),
    )
    .default({}),
});

export const redisSchema = z.strictObject({
  enabled: bool().default(false),
  host: text().optional(),
  port: int(1, 65535).optional(),
  db: int(0).optional(),
  password: text().optional(),
  username: text().optional(),
  url: text().optional(),
  cluster: z.unknown().optional(),
  sentinel: z.unknown().optional(),
  tls: z.unknown().optional(),
  key_prefix: text().default('gatecache:'),
  command_timeout_ms: int(1, 600000).optional(),
  /** The small in-process tier in front of Redis, kept coherent by the invalidation bus. */
  local_cache_mb: num(0).default(32),
  /** Cross-instance single-flight through a Redis lock. */
  lock: bool().default(true),
});

export const diskSchema = z.strictObject({
  /** Default: on without Redis, off with Redis. */
  enabled: bool().optional(),
  path: text().min(1).default('.cache/gatecache'),
  max_size_mb: num(0.01).default(1024),
});

export const securitySchema = z.strictObject({
  admin_token_env: text().min(1).default('GATECACHE_ADMIN_TOKEN'),
  read_token_env: text().min(1).default('GATECACHE_READ_TOKEN'),
  /** The token that opens `GET /metrics/prometheus` only (for Prometheus' `authorization`). */
  scrape_token_env: text().min(1).default('GATECACHE_SCRAPE_TOKEN'),
  /** false turns authentication off on purpose on every admin, metrics and warming route (a private network, tests). */
  admin_auth: bool().default(true),
  /** Refuse to start without an admin token. */
  require_admin_token: bool().optional(),
  tenant_scope: oneOf(['credential', 'global'] as const).default('credential'),
  tenant_secret_env: text().min(1).default('GATECACHE_TENANT_SECRET'),
  encryption: z
    .strictObject({
      enabled: bool().default(false),
      namespaces: z
        .array(oneOf(['response', 'summary', 'models', 'config'] as const))
        .default(['response', 'summary']),
    })
    .prefault({}),
});

export const PROFILES = ['development', 'staging', 'production'] as const;
export type Profile = (typeof PROFILES)[number];

export const configSchema = z.strictObject({
  profile: oneOf(PROFILES).optional(),
  caching: cachingSchema.prefault({}),
  warming: warmingSchema.optional(),
  invalidation: invalidationSchema.prefault({}),
  monitoring: monitoringSchema.prefault({}),
  alerting: alertingSchema.prefault({}),
  alerts: z.array(alertRuleSchema.extend({ name: text().min(1) })).default([]),
  analytics: analyticsSchema.prefault({}),
  redis: redisSchema.prefault({}),
  disk: diskSchema.prefault({}),
  security: securitySchema.prefault({}),
});

/** config.yaml as validated, before layering. */
export type ParsedConfig = z.output<typeof configSchema>;
export type WarmingConfig = z.output<typeof warmingSchema>;
export type NamespaceConfig = z.output<typeof namespaceSchema>;
export type AlertRuleConfig = z.output<typeof alertRuleSchema>;
