import type { Cache, Clock, Keyring, LabelLimits } from '@gatecache/core';
import type { KeyOptions } from '@gatecache/cache-key';
import type { EventLog } from './event-log';

/** A purge to repeat on every instance (a Redis pub/sub bus implements this). */
export interface InvalidationMessage {
  type: 'key' | 'pattern' | 'all';
  /** The key or the glob; absent for `all`. */
  value?: string;
}

export interface InvalidationBus {
  /** Resolves once sent; the value is not read (store-redis's bus resolves whether it was published). */
  publish(message: InvalidationMessage): Promise<unknown>;
}

/** Purge by rule on a daily window, e.g. clear `summary:*` between 03:00 and 04:00. */
export interface ScheduledPurge {
  /** Glob of keys to remove. */
  pattern: string;
  /** Daily window `HH:MM-HH:MM` (local time of `clock`; may wrap midnight). The purge runs once per window. */
  at: string;
}

/** Purge by tag or pattern when a request matches (a deployment or fine-tune call invalidates its model). */
export interface WriteRule {
  match: { method?: string; path: string };
  purgeTag?: string;
  purgePattern?: string;
}

export interface ValidationOptions {
  /** Run a background validation pass periodically. Default false. */
  enabled?: boolean;
  /** Seconds between passes. Default 3600. */
  intervalSeconds?: number;
  /** Entries decoded per tier per pass (bounded work). Default 1000. */
  batch?: number;
}

export interface CacheAdminOptions {
  /** The cache to administer. Required. */
  cache: Cache;
  /** Admin-scope bearer token. Default: `process.env.GATECACHE_ADMIN_TOKEN`. */
  token?: string;
  /** Read-only bearer token (GET routes and explain). Default: `process.env.GATECACHE_READ_TOKEN`. */
  readToken?: string;
  /**
   * The metrics scrape token (`@gatecache/metrics`): it opens no route here, but is told apart from an
   * unknown token (403, not 401). Default: `process.env.GATECACHE_SCRAPE_TOKEN`.
   */
  scrapeToken?: string;
  /** Set `false` to turn authentication off on purpose (tests, a private network). Default: on. */
  auth?: boolean;
  /** Key options used by `POST /api/cache/explain` (must match the response cache's). Default: key defaults. */
  key?: KeyOptions;
  /** Effective configuration shown by `GET /api/config/cache`, secrets redacted. Default `{}`. */
  config?: unknown;
  /** Carries purges to other instances. Default: none (this instance only). */
  bus?: InvalidationBus;
  /**
   * Distinct models (and providers) with their own row in `GET /debug/cache/patterns`; later ones are counted
   * under `other` (see `folded`). Default `DEFAULTS.labelLimits` (models 200).
   */
  labelLimits?: LabelLimits;
  /** `false`: purge routes answer 403 (guide: `invalidation.manual_enabled`). Default true. */
  manualEnabled?: boolean;
  /** `false`: `pattern=` purges are refused (guide: `invalidation.pattern_based`). Default true. */
  patternBased?: boolean;
  /** Audit and cache-event log. Default: a new 1000-entry log. */
  eventLog?: EventLog;
  /** Log read at `/logs/warming` (the warming package writes to it). Default: a new 1000-entry log. */
  warmingLog?: EventLog;
  /** Periodic background validation. Default off. */
  validation?: ValidationOptions;
  /** Daily scheduled purges. Default none. */
  schedules?: ScheduledPurge[];
  /** @deprecated Ignored: validation and entry bodies are decoded with the cache's own keyring. */
  keyring?: Keyring;
  /** @deprecated Ignored: validation and entry bodies are checked with the cache's own signing key. */
  signingKey?: string | Buffer;
  /** Keys handled per batch in purges and validation. Default 100. */
  batch?: number;
  /** Keys scanned at most by one keys-page request. Default 1,000,000. */
  maxScan?: number;
  /** Default: the cache's clock. */
  clock?: Clock;
  /** Environment read for the default tokens. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
}
