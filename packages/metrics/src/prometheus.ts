import { MB } from '@gatecache/core';
import type { CacheStats } from '@gatecache/core';
import type { Family, MetricType, Sample } from './exposition';
import { render } from './exposition';
import { entriesOf, num } from './snapshot';
import { servedWithoutUpstream, upstreamCallsAvoided } from './stats-json';
import type { Snapshot } from './snapshot';
import type { ResponseCacheFigures, SavedFigures, SummaryFigures, WarmingFigures } from './types';

/** One metric family: its name, type and help, and how a snapshot gives its samples (none: left out). */
interface FamilyDef {
  name: string;
  type: MetricType;
  help: string;
  samples: (snap: Snapshot) => Sample[];
}

type NamespaceStats = CacheStats['namespaces'][string];
type TierStats = CacheStats['tiers'][string];

const perNs =
  (pick: (n: NamespaceStats) => number) =>
  (snap: Snapshot): Sample[] =>
    Object.entries(snap.cache.namespaces).map(([namespace, n]) => ({
      labels: { namespace },
      value: pick(n),
    }));
const perTier =
  (pick: (t: TierStats) => number) =>
  (snap: Snapshot): Sample[] =>
    Object.entries(snap.cache.tiers).map(([tier, t]) => ({ labels: { tier }, value: pick(t) }));
const one =
  (pick: (snap: Snapshot) => number) =>
  (snap: Snapshot): Sample[] => [{ value: pick(snap) }];
/** A single sample from one source's figures; no family at all when that source is not wired. */
const from =
  <T>(source: (snap: Snapshot) => T | undefined, pick: (figures: T) => unknown) =>
  (snap: Snapshot): Sample[] => {
    const figures = source(snap);
    return figures ? [{ value: num(pick(figures)) }] : [];
  };
const rcOf = (snap: Snapshot): ResponseCacheFigures | undefined => snap.responseCache;
const warmingOf = (snap: Snapshot): WarmingFigures | undefined => snap.warming;
const summaryOf = (snap: Snapshot): SummaryFigures | undefined => snap.summary;

const SAVED_DIMENSIONS = [
  ['tenant', 'byTenant'],
  ['model', 'byModel'],
  ['provider', 'byProvider'],
  ['namespace', 'byNamespace'],
] as const;

const savedByDimension = SAVED_DIMENSIONS.flatMap(([dim, field]): FamilyDef[] => {
  const rows = (snap: Snapshot): [string, SavedFigures][] =>
    snap.responseCache ? entriesOf<SavedFigures>(snap.responseCache[field]) : [];
  return [
    {
      name: `cache_tokens_saved_by_${dim}_total`,
      type: 'counter',
      help: `Provider tokens not spent, by ${dim}.`,
      samples: (snap) => {
        const r = rows(snap);
        return [
          ...r.map(([value, f]) => ({
            labels: { [dim]: value, direction: 'input' },
            value: num(f.inputTokens),
          })),
          ...r.map(([value, f]) => ({
            labels: { [dim]: value, direction: 'output' },
            value: num(f.outputTokens),
          })),
        ];
      },
    },
    {
      name: `cache_cost_saved_usd_by_${dim}_total`,
      type: 'counter',
      help: `Estimated provider cost not spent, by ${dim}, USD.`,
      samples: (snap) =>
        rows(snap).map(([value, f]) => ({ labels: { [dim]: value }, value: num(f.costUsd) })),
    },
  ];
});

/** Every family this package renders, in exposition order: the one list names and samples come from. */
const FAMILIES: readonly FamilyDef[] = [
  {
    name: 'cache_hit_rate',
    type: 'gauge',
    help: 'Share of lookups answered from the cache (fresh or stale), 0..1.',
    samples: one((snap) => snap.cache.hitRate),
  },
  {
    name: 'cache_served_without_upstream_ratio',
    type: 'gauge',
    help: "Share of the response cache's requests answered without an upstream call (hits, stale answers, coalesced), 0..1.",
    samples: from(rcOf, (rc) => servedWithoutUpstream(rc)),
  },
  {
    name: 'cache_requests_total',
    type: 'counter',
    help: 'Cache lookups.',
    samples: perNs((n) => n.totalRequests),
  },
  {
    name: 'cache_hits_total',
    type: 'counter',
    help: 'Lookups answered with a fresh entry.',
    samples: perNs((n) => n.hits),
  },
  {
    name: 'cache_misses_total',
    type: 'counter',
    help: 'Lookups that found no usable entry.',
    samples: perNs((n) => n.misses),
  },
  {
    name: 'cache_stale_hits_total',
    type: 'counter',
    help: 'Lookups answered with a stale entry.',
    samples: perNs((n) => n.staleHits),
  },
  { name: 'cache_sets_total', type: 'counter', help: 'Entries written.', samples: perNs((n) => n.sets) },
  {
    name: 'cache_deletes_total',
    type: 'counter',
    help: 'Entries deleted or purged.',
    samples: perNs((n) => n.deletes),
  },
  {
    name: 'cache_evictions_total',
    type: 'counter',
    help: 'Entries evicted to make room, by tier.',
    samples: perTier((t) => t.evictions),
  },
  {
    name: 'cache_entries',
    type: 'gauge',
    help: 'Entries held by the tier holding most.',
    samples: one((snap) => snap.cache.entries),
  },
  {
    name: 'cache_memory_usage_mb',
    type: 'gauge',
    help: 'Bytes held by in-process tiers, in MB.',
    samples: one((snap) => snap.cache.memoryBytes / MB),
  },
  {
    name: 'cache_max_memory_mb',
    type: 'gauge',
    help: 'Byte cap of in-process tiers, in MB.',
    samples: one((snap) => snap.cache.memoryMaxBytes / MB),
  },
  {
    name: 'cache_corrupt_total',
    type: 'counter',
    help: 'Entries that failed integrity or decoding, by tier.',
    samples: perTier((t) => t.corrupt),
  },
  {
    name: 'cache_tier_errors_total',
    type: 'counter',
    help: 'Tier calls that threw or timed out.',
    samples: perTier((t) => t.errors),
  },
  {
    name: 'cache_tier_healthy',
    type: 'gauge',
    help: '1 when the tier circuit is closed, 0 when open.',
    samples: perTier((t) => (t.healthy ? 1 : 0)),
  },
  {
    name: 'cache_tier_hits_total',
    type: 'counter',
    help: 'Lookups answered by this tier.',
    samples: perTier((t) => t.hits),
  },
  {
    name: 'cache_tier_misses_total',
    type: 'counter',
    help: 'Lookups this tier could not answer.',
    samples: perTier((t) => t.misses),
  },
  {
    name: 'cache_tier_entries',
    type: 'gauge',
    help: 'Entries held by the tier.',
    samples: perTier((t) => t.entries),
  },
  {
    name: 'cache_tier_size_bytes',
    type: 'gauge',
    help: 'Bytes held by the tier, as it counts them.',
    samples: perTier((t) => t.bytes),
  },
  {
    name: 'cache_tier_max_size_bytes',
    type: 'gauge',
    help: 'Byte cap of the tier (0: none).',
    samples: perTier((t) => t.maxBytes),
  },
  {
    name: 'cache_namespace_hit_rate',
    type: 'gauge',
    help: 'Hit rate of one namespace, 0..1.',
    samples: perNs((n) => n.hitRate),
  },
  {
    name: 'cache_namespace_entries',
    type: 'gauge',
    help: 'Entries of one namespace.',
    samples: perNs((n) => n.entries),
  },
  {
    name: 'cache_bytes_before_compression_total',
    type: 'counter',
    help: 'Body bytes written, before compression.',
    samples: perNs((n) => n.bytesBeforeCompression),
  },
  {
    name: 'cache_bytes_after_compression_total',
    type: 'counter',
    help: 'Body bytes written, after compression.',
    samples: perNs((n) => n.bytesAfterCompression),
  },
  {
    name: 'cache_lookup_duration_seconds',
    type: 'histogram',
    help: 'Duration of cache lookups.',
    samples: latencySamples,
  },
  {
    name: 'cache_coalesced_requests_total',
    type: 'counter',
    help: "Misses answered by another request's upstream call.",
    samples: from(rcOf, (rc) => rc.collapsed),
  },
  {
    name: 'cache_lock_skipped_total',
    type: 'counter',
    help: 'Misses that went upstream without the distributed lock (its breaker open, or the call failed).',
    samples: from(
      (snap) => snap.responseCache?.lock,
      (lock) => lock.skipped,
    ),
  },
  {
    name: 'cache_upstream_calls_avoided_total',
    type: 'counter',
    help: 'Upstream calls the cache made unnecessary.',
    samples: from(rcOf, upstreamCallsAvoided),
  },
  {
    name: 'cache_tokens_saved_total',
    type: 'counter',
    help: 'Provider tokens not spent thanks to hits, by model and tenant.',
    samples: (snap) => (snap.responseCache ? savedSamples(snap, snap.responseCache, 'tokens') : []),
  },
  {
    name: 'cache_cost_saved_usd_total',
    type: 'counter',
    help: 'Estimated provider cost not spent thanks to hits, by model and tenant, USD.',
    samples: (snap) => (snap.responseCache ? savedSamples(snap, snap.responseCache, 'cost') : []),
  },
  ...savedByDimension,
  {
    name: 'cache_labels_folded_total',
    type: 'counter',
    help: 'Hits counted under the label value "other": more distinct tenants, models or (model, tenant) pairs than the limits keep.',
    samples: (snap) => {
      const rc = snap.responseCache;
      if (!rc) return [];
      return [
        { labels: { dimension: 'tenant' }, value: num(rc.folded?.tenants) },
        { labels: { dimension: 'model' }, value: num(rc.folded?.models) },
        ...(snap.savings ? [{ labels: { dimension: 'pair' }, value: num(snap.savingsFolded) }] : []),
      ];
    },
  },
  {
    name: 'warming_requests_total',
    type: 'counter',
    help: 'Warming requests made.',
    samples: from(warmingOf, (w) => w.requests),
  },
  {
    name: 'warming_success_total',
    type: 'counter',
    help: 'Warming requests that stored an entry.',
    samples: from(warmingOf, (w) => w.successes),
  },
  {
    name: 'warming_failures_total',
    type: 'counter',
    help: 'Warming requests that failed.',
    samples: from(warmingOf, (w) => w.failures),
  },
  {
    name: 'warming_duration_seconds',
    type: 'gauge',
    help: 'Duration of the last warming run.',
    samples: from(warmingOf, (w) => num(w.lastDurationMs) / 1000),
  },
  {
    name: 'warming_hit_rate',
    type: 'gauge',
    help: 'Share of warmed entries later read, 0..1.',
    samples: from(warmingOf, (w) => w.warmHitRate),
  },
  {
    name: 'warming_coverage',
    type: 'gauge',
    help: 'Share of predicted keys that are cached, 0..1.',
    samples: from(warmingOf, (w) => w.coverage),
  },
  {
    name: 'warming_efficiency',
    type: 'gauge',
    help: 'Hits on warmed entries per warming request.',
    samples: from(warmingOf, (w) => w.efficiency),
  },
  {
    name: 'summary_requests_total',
    type: 'counter',
    help: 'Chat requests the context condenser looked at.',
    samples: from(summaryOf, (sm) => sm.requests),
  },
  {
    name: 'summary_condensed_total',
    type: 'counter',
    help: 'Requests whose older turns were replaced by a summary.',
    samples: from(summaryOf, (sm) => sm.condensed),
  },
  {
    name: 'summary_tokens_removed_total',
    type: 'counter',
    help: 'Prompt tokens removed by condensation.',
    samples: from(summaryOf, (sm) => sm.tokensRemoved),
  },
  {
    name: 'summary_cache_hits_total',
    type: 'counter',
    help: 'Block summaries answered from the summary cache.',
    samples: from(summaryOf, (sm) => sm.summaries?.hits),
  },
  {
    name: 'summary_cache_misses_total',
    type: 'counter',
    help: 'Block summaries not in the summary cache.',
    samples: from(summaryOf, (sm) => sm.summaries?.misses),
  },
  {
    name: 'summary_calls_total',
    type: 'counter',
    help: 'Calls of the summarizer model.',
    samples: from(summaryOf, (sm) => sm.summaries?.summarizerCalls),
  },
  {
    name: 'summary_calls_avoided_total',
    type: 'counter',
    help: 'Summarizer calls saved by the cache and coalescing.',
    samples: from(summaryOf, (sm) => sm.summaries?.callsAvoided),
  },
];

/** Every metric family name this package exports (without prefix), for dashboards and their tests. */
export const METRIC_NAMES: readonly string[] = FAMILIES.map((f) => f.name);

/** Renders a snapshot as Prometheus text; `prefix` is prepended to every name (`gateway_` -> `gateway_cache_hits_total`). */
export function prometheusText(snap: Snapshot, prefix = ''): string {
  return render(
    FAMILIES.map((f): Family => ({
      name: prefix + f.name,
      type: f.type,
      help: f.help,
      samples: f.samples(snap),
    })),
  );
}

/**
 * By model and tenant from the `saved` events when the source has them; from `stats().byModel` (no tenant
 * label) otherwise.
 */
function savedSamples(snap: Snapshot, rc: ResponseCacheFigures, what: 'tokens' | 'cost'): Sample[] {
  const rows: { labels: Record<string, string>; f: SavedFigures }[] = snap.savings
    ? snap.savings.map((r) => ({ labels: { model: r.model, tenant: r.tenant }, f: r }))
    : entriesOf<SavedFigures>(rc.byModel).map(([model, f]) => ({ labels: { model }, f }));
  if (what === 'cost') return rows.map(({ labels, f }) => ({ labels, value: num(f.costUsd) }));
  return [
    ...rows.map(({ labels, f }) => ({
      labels: { ...labels, direction: 'input' },
      value: num(f.inputTokens),
    })),
    ...rows.map(({ labels, f }) => ({
      labels: { ...labels, direction: 'output' },
      value: num(f.outputTokens),
    })),
  ];
}

function latencySamples(snap: Snapshot): Sample[] {
  const out: Sample[] = [];
  for (const [key, h] of snap.collector.latency.snapshot()) {
    const [namespace = '', outcome = ''] = key.split('\u0000');
    const labels = { namespace, outcome };
    h.buckets.forEach((le, i) => {
      out.push({ suffix: '_bucket', labels: { ...labels, le: String(le) }, value: h.cumulative[i]! });
    });
    out.push({ suffix: '_bucket', labels: { ...labels, le: '+Inf' }, value: h.count });
    out.push({ suffix: '_sum', labels, value: h.sum });
    out.push({ suffix: '_count', labels, value: h.count });
  }
  return out;
}
