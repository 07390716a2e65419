import type { EventEmitter } from 'node:events';
import type { Cache, DistributedLock, LabelLimits, LockStats, Logger } from '@gatecache/core';
import type { KeyOptions, Keyer, RouteInfo } from '@gatecache/cache-key';
import type { BodyRequest, ModelPrice } from '@gatecache/providers';
import type { RequestHandler } from 'express';

export type { ModelPrice };

/** The request as the middleware sees it: the parsed JSON body and its raw bytes are attached by `responseCache`. */
export type CacheRequest = BodyRequest;

/** `all`: cache every answer; `deterministic`: only `temperature: 0` or seeded generations (non-generative endpoints always). */
export type Determinism = 'all' | 'deterministic';

/** What `shouldCache` is asked about, once per request, before the cache is read. */
export interface ShouldCacheContext {
  req: CacheRequest;
  route: RouteInfo;
  /** Parsed JSON body (undefined for GET). */
  body: unknown;
  determinism: Determinism;
}

/**
 * Options of `responseCache`. Every default is in the exported `DEFAULTS` object, at the same path (for
 * example `DEFAULTS.timeouts.followerWaitMs`); a bad value throws a `TypeError` naming its path at creation.
 */
export interface ResponseCacheOptions {
  /** The core cache (`createCache`). Required. Its clock times entries, ages and the too-large memory. */
  cache: Cache;
  /** Key options for `createKeyer`, or a ready keyer. Default: `createKeyer()` (tenant-scoped by credential). */
  key?: KeyOptions | Keyer;
  /** Freshness (seconds) per request; `undefined` uses the namespace's TTL, 0 stores nothing. Default: namespace TTL. */
  ttl?: number | ((req: CacheRequest, route: RouteInfo) => number | undefined);
  /** Policy hook; wrap the exported `defaultShouldCache`. Default `defaultShouldCache`. */
  shouldCache?: (ctx: ShouldCacheContext) => boolean;
  /** Which generations may be cached. */
  determinism?: Determinism;
  /** Also cache POSTs to endpoints the keyer does not recognise (keyed on method, path and whole body). */
  cacheUnknownEndpoints?: boolean;
  /**
   * Namespaces a request may choose with `x-gatecache-namespace`; any other is refused with 400. Each must be
   * configured on the cache. The default never includes `config`, `summary` or `models`.
   */
  requestNamespaces?: string[];
  variants?: VariantOptions;
  limits?: LimitOptions;
  timeouts?: TimeoutOptions;
  /** Cross-instance single flight. Default: none (in-process only). */
  lock?: LockOptions;
  headers?: HeaderOptions;
  recipes?: RecipeOptions;
  accounting?: AccountingOptions;
  /**
   * Behind Express, switch each request and response to V8 dictionary mode on entry, so they share one hidden
   * class (Express gives each its own). No effect on a plain `http` server or in front of Express. See
   * `shareShapes`.
   */
  shareShapes?: boolean;
  /** Default: the cache's logger. */
  logger?: Logger;
}

/** Several answers per key, one served at random. */
export interface VariantOptions {
  /** Distinct answers kept per key. */
  count?: number;
  /** Uniform [0, 1): picks the variant bucket. */
  random?: () => number;
}

/** Sizes past which the cache steps aside. */
export interface LimitOptions {
  /** Largest request body (bytes) read for keying; larger bodies pass through uncached. */
  bodyBytes?: number;
  /**
   * Largest answer (bytes, as received) held and stored. A larger one passes through, streamed, without being
   * held, coalesced waiters still get all of it, nothing is stored, and `Cache-Status` says `detail=too-large`.
   */
  entryBytes?: number;
}

/** How long the middleware waits on an upstream call, in ms. */
export interface TimeoutOptions {
  /**
   * Time to first byte after which a stale-if-error candidate is served instead (background refreshes get
   * at least two minutes).
   */
  upstreamMs?: number;
  /**
   * Longest wait of a collapsed request for the head of the upstream call it joined; then it answers 504
   * (`Cache-Status: ...; detail=follower-timeout`). Set it to the proxy's upstream timeout.
   */
  followerWaitMs?: number;
  /**
   * How long an answer keeps coming from upstream into the cache after its client left, when no coalesced
   * request waits for it (those keep it going for as long as they wait). 0: stop as soon as nobody waits.
   */
  drainAfterCloseMs?: number;
}

/** Cross-instance single flight: one instance goes upstream, the others read its answer. */
export interface LockOptions {
  /**
   * The lock (e.g. store-redis's). Put behind the cache's tier guard (the breaker of the tier named by its
   * `tier`, else one of its own): while that is open, a miss goes on without the lock.
   */
  backend: DistributedLock;
  /** Lease, extended while the upstream answer is running (ms). */
  ttlMs?: number;
  /** How long an instance waits for another instance's lock before going upstream itself (ms). */
  waitMs?: number;
}

/** Response headers the middleware sends and stores. */
export interface HeaderOptions {
  /** Send `X-Gatecache-Key` on cached routes. */
  exposeKey?: boolean;
  /** Response headers stored and replayed on top of `STORED_HEADERS` (lower case). */
  store?: string[];
}

/** Replay recipes kept with entries, for @gatecache/warming to refresh them. */
export interface RecipeOptions {
  /**
   * Keep a recipe (method, path, body, non-secret headers; never a credential) in each stored entry's
   * `extra.recipe`. Skipped for encrypted namespaces.
   */
  record?: boolean;
  /** Request headers kept on top of `RECIPE_HEADERS` (lower case; credential-like names refused). */
  headers?: string[];
  /** Largest request body (bytes) kept in a recipe; larger requests are stored without one. */
  maxBytes?: number;
}

/** What hits saved, in `stats()` and `saved` events. */
export interface AccountingOptions {
  /** Prices by model (exact name, else the longest configured prefix), for the cost a hit saved. */
  pricing?: Record<string, ModelPrice>;
  /**
   * Distinct tenants and models with their own bucket in `stats().byTenant` / `byModel` (and so their own
   * Prometheus series); later ones are counted under `other` and in `stats().folded`.
   */
  labelLimits?: LabelLimits;
}

/** Tokens and money a set of hits saved. */
export interface SavedTotals {
  hits: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export interface ResponseCacheStats {
  /** Requests on routes the middleware handles (LLM routes, and unknown ones when enabled). */
  requests: number;
  hits: number;
  /** Stale entries served (stale-while-revalidate, max-stale, stale-if-error). */
  stale: number;
  misses: number;
  /**
   * Requests answered whole by another request's upstream call, in-process or through the distributed lock
   * (`coalesced` in the stats JSON and Prometheus): served without a call of their own. One that joined a call
   * which then failed before its head goes upstream itself and counts as a miss.
   */
  collapsed: number;
  /** Requests waiting now on another request's upstream call in this process (a gauge). */
  waiting: number;
  bypassed: number;
  /** Answers written to the cache. */
  stored: number;
  /** Upstream answers not stored (error, incomplete, private, too large...). */
  notStored: number;
  /** Background refreshes started. */
  revalidations: number;
  /** Exceptions in the cache path that were turned into a pass-through. */
  errors: number;
  saved: SavedTotals;
  byTenant: Record<string, SavedTotals>;
  byModel: Record<string, SavedTotals>;
  byNamespace: Record<string, SavedTotals>;
  /** Hits counted under the `other` tenant or model because `labelLimits` was reached. */
  folded: { tenants: number; models: number };
  /** With a `lock`: acquires that took it, found it held, or went on without it (breaker open, call failed). */
  lock?: LockStats;
}

/** Emitted as `saved` on every hit (fresh or stale). */
export interface SavedEvent {
  key: string;
  namespace: string;
  tenant: string;
  provider: string;
  model: string;
  endpoint: string;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export type ResponseCacheMiddleware = RequestHandler & {
  stats(): ResponseCacheStats;
  /** `saved` (SavedEvent), `stored` ({ key, size, kind }), `not-stored` ({ key, reason }). */
  events: EventEmitter;
};
