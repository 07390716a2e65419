import type { Cache, CacheStats } from '@gatecache/core';
import type { Collector } from './collector';
import type { SavingsRow } from './savings';
import type { MetricSources, ResponseCacheFigures, SummaryFigures, WarmingFigures } from './types';

/** Everything one scrape renders, gathered once per request. */
export interface Snapshot {
  at: number;
  cache: CacheStats;
  collector: Collector;
  responseCache?: ResponseCacheFigures;
  warming?: WarmingFigures;
  summary?: SummaryFigures;
  /** Tokens and cost saved by model and tenant, from the response cache's `saved` events. */
  savings?: SavingsRow[];
  /** Hits folded into the (`other`, `other`) savings row (see `labelLimits.pairs`). */
  savingsFolded?: number;
  /** Per-tier and per-namespace breakdowns in the JSON routes. */
  detailed: boolean;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

// A source that throws or returns garbage must not take the stats routes down with it.
function figuresOf<T>(source: { stats(): unknown } | undefined): T | undefined {
  if (!source) return undefined;
  try {
    const value = source.stats();
    return isObject(value) ? (value as T) : undefined;
  } catch {
    return undefined;
  }
}

export async function takeSnapshot(
  cache: Cache,
  collector: Collector,
  sources: MetricSources,
  now: number,
  extra: { savings?: SavingsRow[]; savingsFolded?: number; detailed?: boolean } = {},
): Promise<Snapshot> {
  const snap: Snapshot = {
    at: now,
    cache: await cache.stats(),
    collector,
    detailed: extra.detailed !== false,
  };
  if (extra.savings) snap.savings = extra.savings;
  if (extra.savingsFolded !== undefined) snap.savingsFolded = extra.savingsFolded;
  const rc = figuresOf<ResponseCacheFigures>(sources.responseCache);
  const warming = figuresOf<WarmingFigures>(sources.warming);
  if (rc) snap.responseCache = rc;
  if (warming) snap.warming = warming;
  const summary = figuresOf<SummaryFigures>(sources.summary);
  if (summary) snap.summary = summary;
  return snap;
}

/** A finite number or 0: figures from other packages are untrusted. */
export const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** Entries of a record-like value whose values are objects. */
export const entriesOf = <T>(v: unknown): [string, T][] =>
  isObject(v) ? (Object.entries(v).filter(([, x]) => isObject(x)) as [string, T][]) : [];

export const tierErrors = (stats: CacheStats): number =>
  Object.values(stats.tiers).reduce((n, t) => n + t.errors, 0);
