import { MB } from '@gatecache/core';
import type { SavedFigures } from './types';
import { entriesOf, num, tierErrors } from './snapshot';
import type { Snapshot } from './snapshot';

const mb = (bytes: number): number => Math.round((bytes / MB) * 1000) / 1000;
const ms = (seconds: number): number => Math.round(seconds * 1e6) / 1000;

function saved(s: SavedFigures | undefined) {
  const input = num(s?.inputTokens);
  const output = num(s?.outputTokens);
  return {
    hits: num(s?.hits),
    input_tokens: input,
    output_tokens: output,
    tokens: input + output,
    cost_usd: num(s?.costUsd),
  };
}

function savedBy(v: unknown) {
  return Object.fromEntries(entriesOf<SavedFigures>(v).map(([k, s]) => [k, saved(s)]));
}

function latencySummary(snap: Snapshot) {
  let count = 0;
  let sum = 0;
  for (const s of snap.collector.latency.snapshot().values()) {
    count += s.count;
    sum += s.sum;
  }
  const h = snap.collector.latency;
  return {
    count,
    mean_ms: count ? ms(sum / count) : 0,
    p50_ms: ms(h.quantile(0.5)),
    p95_ms: ms(h.quantile(0.95)),
    p99_ms: ms(h.quantile(0.99)),
  };
}

/** Requests the response cache answered without an upstream call: fresh and stale hits, and coalesced ones. */
export function upstreamCallsAvoided(rc: NonNullable<Snapshot['responseCache']>): number {
  return num(rc.hits) + num(rc.stale) + num(rc.collapsed);
}

/**
 * The share of the response cache's requests answered without an upstream call (fresh or stale hits, and
 * requests coalesced onto another's call): what the cache saved, where `hit_rate` counts lookups only.
 */
export function servedWithoutUpstream(rc: NonNullable<Snapshot['responseCache']>): number {
  const requests = num(rc.requests);
  return requests > 0 ? upstreamCallsAvoided(rc) / requests : 0;
}

/** The response cache's figures in snake_case, or undefined when it is not wired. */
export function responseCacheJson(snap: Snapshot): Record<string, unknown> | undefined {
  const rc = snap.responseCache;
  if (!rc) return undefined;
  return {
    requests: num(rc.requests),
    served_without_upstream_rate: servedWithoutUpstream(rc),
    hits: num(rc.hits),
    stale_hits: num(rc.stale),
    misses: num(rc.misses),
    coalesced_requests: num(rc.collapsed),
    upstream_calls_avoided: upstreamCallsAvoided(rc),
    bypassed: num(rc.bypassed),
    stored: num(rc.stored),
    not_stored: num(rc.notStored),
    revalidations: num(rc.revalidations),
    errors: num(rc.errors),
    saved: saved(rc.saved),
    saved_by_tenant: savedBy(rc.byTenant),
    saved_by_model: savedBy(rc.byModel),
    saved_by_provider: savedBy(rc.byProvider),
    saved_by_namespace: savedBy(rc.byNamespace),
    labels_folded: { tenants: num(rc.folded?.tenants), models: num(rc.folded?.models) },
  };
}

/** `cache_warming` as the guide shows it; zeros (and `enabled: false`) without a warmer. */
export function warmingJson(snap: Snapshot): Record<string, unknown> {
  const w = snap.warming;
  return {
    enabled: w !== undefined,
    warming_requests_total: num(w?.requests),
    warming_success_total: num(w?.successes),
    warming_failures_total: num(w?.failures),
    warming_duration_ms: num(w?.lastDurationMs),
    warming_duration_total_ms: num(w?.totalDurationMs),
    warm_hit_rate: num(w?.warmHitRate),
    coverage: num(w?.coverage),
    efficiency: num(w?.efficiency),
    running: w?.running === true,
  };
}

/** The whole-cache figures that `GET /api/cache/stats` and `GET /metrics` both lead with. */
function headline(snap: Snapshot): Record<string, unknown> {
  const s = snap.cache;
  return {
    hit_rate: s.hitRate,
    total_requests: s.totalRequests,
    cache_hits: s.hits,
    cache_misses: s.misses,
    stale_hits: s.staleHits,
    entries: s.entries,
    memory_usage_mb: mb(s.memoryBytes),
    max_memory_mb: mb(s.memoryMaxBytes),
    evictions: s.evictions,
    sets: s.sets,
    deletes: s.deletes,
    tier_errors: tierErrors(s),
    lookup_latency: latencySummary(snap),
  };
}

/** `GET /api/cache/stats`: the guide's fields, then per tier and per namespace. */
export function statsJson(snap: Snapshot): Record<string, unknown> {
  const s = snap.cache;
  const out: Record<string, unknown> = {
    ...headline(snap),
    memory_usage_percent: s.memoryMaxBytes ? (s.memoryBytes / s.memoryMaxBytes) * 100 : 0,
    corrupt: s.corrupt,
    bytes_before_compression: s.bytesBeforeCompression,
    bytes_after_compression: s.bytesAfterCompression,
    compression_ratio: s.bytesBeforeCompression ? s.bytesAfterCompression / s.bytesBeforeCompression : 1,
    tiers: Object.fromEntries(
      Object.entries(s.tiers).map(([name, t]) => [
        name,
        {
          kind: t.kind,
          healthy: t.healthy,
          hits: t.hits,
          misses: t.misses,
          sets: t.sets,
          errors: t.errors,
          skipped: t.skipped,
          entries: t.entries,
          memory_usage_mb: mb(t.bytes),
          max_memory_mb: mb(t.maxBytes),
          evictions: t.evictions,
          rejected: t.rejected,
          corrupt: t.corrupt,
          expired: t.expired,
          ...(t.lastError ? { last_error: t.lastError } : {}),
        },
      ]),
    ),
    namespaces: Object.fromEntries(
      Object.entries(s.namespaces).map(([name, n]) => [
        name,
        {
          hit_rate: n.hitRate,
          total_requests: n.totalRequests,
          cache_hits: n.hits,
          cache_misses: n.misses,
          stale_hits: n.staleHits,
          entries: n.entries,
          memory_usage_mb: mb(n.bytes),
          evictions: n.evictions,
          sets: n.sets,
          deletes: n.deletes,
          bytes_before_compression: n.bytesBeforeCompression,
          bytes_after_compression: n.bytesAfterCompression,
        },
      ]),
    ),
  };
  const rc = responseCacheJson(snap);
  if (rc) {
    const total = rc.saved as ReturnType<typeof saved>;
    out.served_without_upstream_rate = rc.served_without_upstream_rate;
    out.tokens_saved = total.input_tokens + total.output_tokens;
    out.cost_saved_usd = total.cost_usd;
    out.saved_by = {
      model: rc.saved_by_model,
      tenant: rc.saved_by_tenant,
      namespace: rc.saved_by_namespace,
      provider: rc.saved_by_provider,
    };
    out.response_cache = rc;
  }
  if (snap.warming) out.warming = warmingJson(snap);
  if (snap.summary) out.summary = summaryJson(snap);
  if (!snap.detailed) {
    delete out.tiers;
    delete out.namespaces;
  }
  return out;
}

/** `cache_summary`: context condensation and its summary cache; undefined without a condenser. */
export function summaryJson(snap: Snapshot): Record<string, unknown> | undefined {
  const sm = snap.summary;
  if (!sm) return undefined;
  const hits = num(sm.summaries?.hits);
  const misses = num(sm.summaries?.misses);
  return {
    requests: num(sm.requests),
    condensed: num(sm.condensed),
    tokens_removed: num(sm.tokensRemoved),
    passed_through: num(sm.passedThrough),
    rejected: num(sm.rejected),
    summary_hits: hits,
    summary_misses: misses,
    summary_hit_rate: hits + misses ? hits / (hits + misses) : 0,
    summarizer_calls: num(sm.summaries?.summarizerCalls),
    summarizer_calls_avoided: num(sm.summaries?.callsAvoided),
  };
}

/** `GET /metrics`: `cache_performance` and `cache_warming`, as in the guide (and `cache_summary` with a condenser). */
export function metricsJson(snap: Snapshot): Record<string, unknown> {
  const s = snap.cache;
  const performance: Record<string, unknown> = {
    ...headline(snap),
    miss_rate: s.totalRequests ? s.misses / s.totalRequests : 0,
  };
  const rc = responseCacheJson(snap);
  if (rc) {
    performance.served_without_upstream_rate = rc.served_without_upstream_rate;
    performance.coalesced_requests = rc.coalesced_requests;
    performance.upstream_calls_avoided = rc.upstream_calls_avoided;
    performance.saved = rc.saved;
  }
  return {
    timestamp: new Date(snap.at).toISOString(),
    cache_performance: performance,
    cache_warming: warmingJson(snap),
    ...(snap.summary ? { cache_summary: summaryJson(snap) } : {}),
  };
}
