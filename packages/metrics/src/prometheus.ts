import { MB } from '@gatecache/core';
import type { Family, MetricType, Sample } from './exposition';
import { render } from './exposition';
import { entriesOf, num } from './snapshot';
import type { Snapshot } from './snapshot';
import type { ResponseCacheFigures, SavedFigures } from './types';

/** Every metric family name this package exports (without prefix), for dashboards and their tests. */
export const METRIC_NAMES: readonly string[] = [
  'cache_hit_rate',
  'cache_requests_total',
  'cache_hits_total',
  'cache_misses_total',
  'cache_stale_hits_total',
  'cache_sets_total',
  'cache_deletes_total',
  'cache_evictions_total',
  'cache_entries',
  'cache_memory_usage_mb',
  'cache_max_memory_mb',
  'cache_corrupt_total',
  'cache_tier_errors_total',
  'cache_tier_healthy',
  'cache_tier_hits_total',
  'cache_tier_misses_total',
  'cache_tier_entries',
  'cache_tier_size_bytes',
  'cache_tier_max_size_bytes',
  'cache_namespace_hit_rate',
  'cache_namespace_entries',
  'cache_bytes_before_compression_total',
  'cache_bytes_after_compression_total',
  'cache_lookup_duration_seconds',
  'cache_coalesced_requests_total',
  'cache_upstream_calls_avoided_total',
  'cache_tokens_saved_total',
  'cache_cost_saved_usd_total',
  'cache_tokens_saved_by_tenant_total',
  'cache_tokens_saved_by_model_total',
  'cache_tokens_saved_by_provider_total',
  'cache_tokens_saved_by_namespace_total',
  'cache_cost_saved_usd_by_tenant_total',
  'cache_cost_saved_usd_by_model_total',
  'cache_cost_saved_usd_by_provider_total',
  'cache_cost_saved_usd_by_namespace_total',
  'cache_labels_folded_total',
  'warming_requests_total',
  'warming_success_total',
  'warming_failures_total',
  'warming_duration_seconds',
  'warming_hit_rate',
  'warming_coverage',
  'warming_efficiency',
  'summary_requests_total',
  'summary_condensed_total',
  'summary_tokens_removed_total',
  'summary_cache_hits_total',
  'summary_cache_misses_total',
  'summary_calls_total',
  'summary_calls_avoided_total',
];

/** Renders a snapshot as Prometheus text; `prefix` is prepended to every name (`gateway_` -> `gateway_cache_hits_total`). */
export function prometheusText(snap: Snapshot, prefix = ''): string {
  const families: Family[] = [];
  const family = (name: string, type: MetricType, help: string, samples: Sample[]): void => {
    families.push({ name: prefix + name, type, help, samples });
  };
  const s = snap.cache;
  const ns = Object.entries(s.namespaces);
  const tiers = Object.entries(s.tiers);
  const perNs = (pick: (n: (typeof ns)[number][1]) => number): Sample[] =>
    ns.map(([namespace, n]) => ({ labels: { namespace }, value: pick(n) }));
  const perTier = (pick: (t: (typeof tiers)[number][1]) => number): Sample[] =>
    tiers.map(([tier, t]) => ({ labels: { tier }, value: pick(t) }));

  family('cache_hit_rate', 'gauge', 'Share of lookups answered from the cache (fresh or stale), 0..1.', [
    { value: s.hitRate },
  ]);
  family(
    'cache_requests_total',
    'counter',
    'Cache lookups.',
    perNs((n) => n.totalRequests),
  );
  family(
    'cache_hits_total',
    'counter',
    'Lookups answered with a fresh entry.',
    perNs((n) => n.hits),
  );
  family(
    'cache_misses_total',
    'counter',
    'Lookups that found no usable entry.',
    perNs((n) => n.misses),
  );
  family(
    'cache_stale_hits_total',
    'counter',
    'Lookups answered with a stale entry.',
    perNs((n) => n.staleHits),
  );
  family(
    'cache_sets_total',
    'counter',
    'Entries written.',
    perNs((n) => n.sets),
  );
  family(
    'cache_deletes_total',
    'counter',
    'Entries deleted or purged.',
    perNs((n) => n.deletes),
  );
  family(
    'cache_evictions_total',
    'counter',
    'Entries evicted to make room, by tier.',
    perTier((t) => t.evictions),
  );
  family('cache_entries', 'gauge', 'Entries held by the tier holding most.', [{ value: s.entries }]);
  family('cache_memory_usage_mb', 'gauge', 'Bytes held by in-process tiers, in MB.', [
    { value: s.memoryBytes / MB },
  ]);
  family('cache_max_memory_mb', 'gauge', 'Byte cap of in-process tiers, in MB.', [
    { value: s.memoryMaxBytes / MB },
  ]);
  family(
    'cache_corrupt_total',
    'counter',
    'Entries that failed integrity or decoding, by tier.',
    perTier((t) => t.corrupt),
  );
  family(
    'cache_tier_errors_total',
    'counter',
    'Tier calls that threw or timed out.',
    perTier((t) => t.errors),
  );
  family(
    'cache_tier_healthy',
    'gauge',
    '1 when the tier circuit is closed, 0 when open.',
    perTier((t) => (t.healthy ? 1 : 0)),
  );
  family(
    'cache_tier_hits_total',
    'counter',
    'Lookups answered by this tier.',
    perTier((t) => t.hits),
  );
  family(
    'cache_tier_misses_total',
    'counter',
    'Lookups this tier could not answer.',
    perTier((t) => t.misses),
  );
  family(
    'cache_tier_entries',
    'gauge',
    'Entries held by the tier.',
    perTier((t) => t.entries),
  );
  family(
    'cache_tier_size_bytes',
    'gauge',
    'Bytes held by the tier, as it counts them.',
    perTier((t) => t.bytes),
  );
  family(
    'cache_tier_max_size_bytes',
    'gauge',
    'Byte cap of the tier (0: none).',
    perTier((t) => t.maxBytes),
  );
  family(
    'cache_namespace_hit_rate',
    'gauge',
    'Hit rate of one namespace, 0..1.',
    perNs((n) => n.hitRate),
  );
  family(
    'cache_namespace_entries',
    'gauge',
    'Entries of one namespace.',
    perNs((n) => n.entries),
  );
  family(
    'cache_bytes_before_compression_total',
    'counter',
    'Body bytes written, before compression.',
    perNs((n) => n.bytesBeforeCompression),
  );
  family(
    'cache_bytes_after_compression_total',
    'counter',
    'Body bytes written, after compression.',
    perNs((n) => n.bytesAfterCompression),
  );
  family('cache_lookup_duration_seconds', 'histogram', 'Duration of cache lookups.', latencySamples(snap));

  const rc = snap.responseCache;
  if (rc) {
    family(
      'cache_coalesced_requests_total',
      'counter',
      "Misses answered by another request's upstream call.",
      [{ value: num(rc.collapsed) }],
    );
    if (rc.lock) {
      family(
        'cache_lock_skipped_total',
        'counter',
        'Misses that went upstream without the distributed lock (its breaker open, or the call failed).',
        [{ value: num(rc.lock.skipped) }],
      );
    }
    family('cache_upstream_calls_avoided_total', 'counter', 'Upstream calls the cache made unnecessary.', [
      { value: num(rc.hits) + num(rc.stale) + num(rc.collapsed) },
    ]);
    family(
      'cache_tokens_saved_total',
      'counter',
      'Provider tokens not spent thanks to hits, by model and tenant.',
      savedSamples(snap, rc, 'tokens'),
    );
    family(
      'cache_cost_saved_usd_total',
      'counter',
      'Estimated provider cost not spent thanks to hits, by model and tenant, USD.',
      savedSamples(snap, rc, 'cost'),
    );
    for (const [dim, v] of [
      ['tenant', rc.byTenant],
      ['model', rc.byModel],
      ['provider', rc.byProvider],
      ['namespace', rc.byNamespace],
    ] as const) {
      const rows = entriesOf<SavedFigures>(v);
      family(`cache_tokens_saved_by_${dim}_total`, 'counter', `Provider tokens not spent, by ${dim}.`, [
        ...rows.map(([value, f]) => ({
          labels: { [dim]: value, direction: 'input' },
          value: num(f.inputTokens),
        })),
        ...rows.map(([value, f]) => ({
          labels: { [dim]: value, direction: 'output' },
          value: num(f.outputTokens),
        })),
      ]);
      family(
        `cache_cost_saved_usd_by_${dim}_total`,
        'counter',
        `Estimated provider cost not spent, by ${dim}, USD.`,
        rows.map(([value, f]) => ({ labels: { [dim]: value }, value: num(f.costUsd) })),
      );
    }
    family(
      'cache_labels_folded_total',
      'counter',
      'Hits counted under the label value "other": more distinct tenants, models or (model, tenant) pairs than the limits keep.',
      [
        { labels: { dimension: 'tenant' }, value: num(rc.folded?.tenants) },
        { labels: { dimension: 'model' }, value: num(rc.folded?.models) },
        ...(snap.savings ? [{ labels: { dimension: 'pair' }, value: num(snap.savingsFolded) }] : []),
      ],
    );
  }

  const w = snap.warming;
  if (w) {
    family('warming_requests_total', 'counter', 'Warming requests made.', [{ value: num(w.requests) }]);
    family('warming_success_total', 'counter', 'Warming requests that stored an entry.', [
      { value: num(w.successes) },
    ]);
    family('warming_failures_total', 'counter', 'Warming requests that failed.', [
      { value: num(w.failures) },
    ]);
    family('warming_duration_seconds', 'gauge', 'Duration of the last warming run.', [
      { value: num(w.lastDurationMs) / 1000 },
    ]);
    family('warming_hit_rate', 'gauge', 'Share of warmed entries later read, 0..1.', [
      { value: num(w.warmHitRate) },
    ]);
    family('warming_coverage', 'gauge', 'Share of predicted keys that are cached, 0..1.', [
      { value: num(w.coverage) },
    ]);
    family('warming_efficiency', 'gauge', 'Hits on warmed entries per warming request.', [
      { value: num(w.efficiency) },
    ]);
  }
  const sm = snap.summary;
  if (sm) {
    const counter = (name: string, help: string, value: unknown): void =>
      family(name, 'counter', help, [{ value: num(value) }]);
    counter('summary_requests_total', 'Chat requests the context condenser looked at.', sm.requests);
    counter(
      'summary_condensed_total',
      'Requests whose older turns were replaced by a summary.',
      sm.condensed,
    );
    counter('summary_tokens_removed_total', 'Prompt tokens removed by condensation.', sm.tokensRemoved);
    counter(
      'summary_cache_hits_total',
      'Block summaries answered from the summary cache.',
      sm.summaries?.hits,
    );
    counter('summary_cache_misses_total', 'Block summaries not in the summary cache.', sm.summaries?.misses);
    counter('summary_calls_total', 'Calls of the summarizer model.', sm.summaries?.summarizerCalls);
    counter(
      'summary_calls_avoided_total',
      'Summarizer calls saved by the cache and coalescing.',
      sm.summaries?.callsAvoided,
    );
  }
  return render(families);
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
