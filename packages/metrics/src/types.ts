import type { Cache, Clock } from '@gatecache/core';

/** Tokens and money a set of hits saved (the response cache's `SavedTotals`). */
export interface SavedFigures {
  hits?: number;
  inputTokens?: number;
  outputTokens?: number;
  costUsd?: number;
}

/**
 * What the response cache's `stats()` reports. Every field is optional: metrics renders what is there,
 * so the two packages can evolve without a lock-step release.
 */
export interface ResponseCacheFigures {
  requests?: number;
  hits?: number;
  stale?: number;
  misses?: number;
  /** Misses answered by another request's upstream call (request coalescing). */
  collapsed?: number;
  /** The distributed lock's acquires (response cache with a `lock`); `skipped` went on without it. */
  lock?: { acquired?: number; contended?: number; skipped?: number; waitsCut?: number };
  bypassed?: number;
  stored?: number;
  notStored?: number;
  revalidations?: number;
  errors?: number;
  saved?: SavedFigures;
  byTenant?: Record<string, SavedFigures>;
  byModel?: Record<string, SavedFigures>;
  byNamespace?: Record<string, SavedFigures>;
  byProvider?: Record<string, SavedFigures>;
  /** Hits counted under the `other` tenant or model (the response cache's `labelLimits`). */
  folded?: { tenants?: number; models?: number };
}

/** What the warmer's `stats()` reports; every field optional. */
export interface WarmingFigures {
  requests?: number;
  successes?: number;
  failures?: number;
  /** Duration of the last warming run, in milliseconds. */
  lastDurationMs?: number;
  /** Total time spent warming, in milliseconds. */
  totalDurationMs?: number;
  /** Share of warmed entries later read at least once (0..1). */
  warmHitRate?: number;
  /** Share of predicted keys that are cached (0..1). */
  coverage?: number;
  /** Hits on warmed entries per warming request (0..n). */
  efficiency?: number;
  running?: boolean;
  lastRunAt?: number;
}

/** What the context condenser's `stats()` (@gatecache/summary-cache) reports; every field optional. */
export interface SummaryFigures {
  requests?: number;
  condensed?: number;
  tokensRemoved?: number;
  passedThrough?: number;
  rejected?: number;
  summaries?: {
    hits?: number;
    misses?: number;
    summarizerCalls?: number;
    callsAvoided?: number;
    errors?: number;
  };
}

/** Other packages' figures, rendered next to the cache's own. */
export interface MetricSources {
  /** The response cache middleware: its `stats()`, and its `events` (`saved`) when it has them. */
  responseCache?: { stats(): unknown; events?: import('node:events').EventEmitter };
  warming?: { stats(): unknown };
  /** The context condenser (or a cached summarizer, whose figures sit under `summaries`). */
  summary?: { stats(): unknown };
}

export interface MemoryLimits {
  /** Heap used above this many MB fails `checks.memory`. Default: none. */
  heapMb?: number;
  /** Resident set size above this many MB fails `checks.memory`. Default: none. */
  rssMb?: number;
}

export interface BaseOptions {
  cache: Cache;
  clock?: Clock;
}
