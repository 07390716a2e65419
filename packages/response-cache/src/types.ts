import type { EventEmitter } from 'node:events';
import type { Cache, Clock, DistributedLock, LabelLimits, LockStats, Logger } from '@gatecache/core';
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

export interface ResponseCacheOptions {
  /** The core cache (`createCache`). Required. */
  cache: Cache;
  /** Key options for `createKeyer`, or a ready keyer. Default: `createKeyer()` (tenant-scoped by credential). */
  key?: KeyOptions | Keyer;
  /** Largest request body (bytes) read for keying; larger bodies pass through uncached. Default 1 MiB. */
  maxBodyBytes?: number;
  /**
   * Largest answer (bytes, as received) held and stored. A larger one passes through, streamed, without being
   * held, coalesced waiters still get all of it, nothing is stored, and `Cache-Status` says `detail=too-large`.
   * Default 8 MiB.
   */
  maxEntryBytes?: number;
  /**
   * How long (ms) an answer keeps coming from upstream into the cache after its client left, when no coalesced
   * request waits for it (those keep it going for as long as they wait). 0: stop as soon as nobody waits.
   * Default 60000.
   */
  drainAfterCloseMs?: number;
  /** Which generations may be cached. Default `'all'`. */
  determinism?: Determinism;
  /** Keep up to N distinct answers per key and serve one at random. Default 1. */
  variants?: number;
  /** Freshness (seconds) per request; `undefined` uses the namespace's TTL, 0 stores nothing. Default: namespace TTL. */
  ttl?: number | ((req: CacheRequest, route: RouteInfo) => number | undefined);
  /** Policy hook; wrap the exported `defaultShouldCache`. Default `defaultShouldCache`. */
  shouldCache?: (ctx: ShouldCacheContext) => boolean;
  /** Also cache POSTs to endpoints the keyer does not recognise (keyed on method, path and whole body). Default false. */
  cacheUnknownEndpoints?: boolean;
  /**
   * Cross-instance single-flight (e.g. store-redis's lock). Put behind the cache's tier guard (the breaker of
   * the tier named by `lock.tier`, else one of its own): while it is open, a miss goes on without the lock.
   * Default: none (in-process only).
   */
  lock?: DistributedLock;
  /** Lock lease (ms), extended while the upstream answer is running. Default 30000. */
  lockTtlMs?: number;
  /** How long (ms) an instance waits for another instance's lock before going upstream itself. Default 60000. */
  lockWaitMs?: number;
  /** Time to first byte (ms) after which a stale-if-error candidate is served instead. Default 30000. */
  upstreamTimeoutMs?: number;
  /**
   * Longest wait (ms) of a collapsed request for the head of the upstream call it joined; then it answers 504
   * (`Cache-Status: ...; detail=follower-timeout`). Set it to the proxy's upstream timeout. Default 600000.
   */
  followerWaitMs?: number;
  /**
   * Namespaces a request may choose with `x-gatecache-namespace`; any other is refused with 400. Each must be
   * configured on the cache. Default `['response']`: never `config`, `summary` or `models`.
   */
  requestNamespaces?: string[];
  /** Send `X-Gatecache-Key` on cached routes. Default true. */
  exposeKey?: boolean;
  /** Prices by model (exact name, else the longest configured prefix), for the cost a hit saved. Default {}. */
  pricing?: Record<string, ModelPrice>;
  /** Response headers stored and replayed on top of the built-in allow-list (lower case). Default []. */
  storeHeaders?: string[];
  /**
   * Keep a replay recipe (method, path, body, non-secret headers; never a credential) in each stored entry's
   * `extra.recipe`, so @gatecache/warming can refresh it. Skipped for encrypted namespaces. Default true.
   */
  recordRecipes?: boolean;
  /** Request headers kept in recipes on top of `RECIPE_HEADERS` (lower case; credential-like names refused). Default []. */
  recipeHeaders?: string[];
  /** Largest request body (bytes) kept in a recipe; larger requests are stored without one. Default 65536. */
  recipeMaxBytes?: number;
  /**
   * Behind Express, switch each request and response to V8 dictionary mode on entry, so they share one hidden
   * class (Express gives each its own): cheaper property access for this middleware and every handler after it.
   * No effect on a plain `http` server or in front of Express. See `shareShapes`. Default true.
   */
  shareShapes?: boolean;
  clock?: Clock;
  logger?: Logger;
  /** Uniform [0, 1): picks the variant bucket. Default Math.random. */
  random?: () => number;
  /**
   * Distinct tenants and models with their own bucket in `stats().byTenant` / `byModel` (and so their own
   * Prometheus series); later ones are counted under `other` and in `stats().folded`. Default
   * `DEFAULTS.labelLimits` (500 tenants, 200 models).
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
  /** Misses answered by another request's upstream call (in-process or through the distributed lock). */
  collapsed: number;
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
