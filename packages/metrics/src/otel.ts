import { createHash } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { metrics, trace } from '@opentelemetry/api';
import type { Attributes, Meter, Tracer } from '@opentelemetry/api';
import type { Cache, CacheEntry, CacheEvents, Clock, LabelLimits } from '@gatecache/core';
import { labelCap, resolveLabelLimits, systemClock } from '@gatecache/core';
import { onLookup } from './lookup-timer';
import type { LookupResult } from './lookup-timer';
import { num } from './snapshot';

/** The response cache middleware as OTel reads it: its `saved` events (SavedEvent). */
export interface SavedEventSource {
  events: Pick<EventEmitter, 'on' | 'off'>;
}

/** The warmer as OTel reads it: `stats()` (synchronous), e.g. @gatecache/warming's `cacheWarmer`. */
export interface WarmingStatsSource {
  stats(): unknown;
}

export interface InstrumentOptions {
  /** Meter for the instruments. Default: `metrics.getMeter('@gatecache/metrics')` (the global provider). */
  meter?: Meter;
  /** Tracer for the `gatecache.lookup` spans. Default: `trace.getTracer('@gatecache/metrics')`. */
  tracer?: Tracer;
  /** The response cache middleware: adds tokens and cost saved (from its `saved` events). */
  responseCache?: SavedEventSource;
  /** The cache warmer: adds the `gatecache.warming.*` instruments, read from its `stats()` at each collection. */
  warming?: WarmingStatsSource;
  /** Span times are `clock.now()` minus the lookup's duration. Default: the system clock. */
  clock?: Clock;
  /** Hex characters of the key's sha256 kept in `gatecache.key_hash`. Default 16. */
  keyHashLength?: number;
  /**
   * Distinct tenants and models given their own attribute value on the saved-tokens and saved-cost
   * instruments; later ones read `other`. Default `DEFAULT_LABEL_LIMITS` (500 tenants, 200 models).
   */
  labelLimits?: LabelLimits;
}

export interface CacheInstrumentation {
  /** Stops listening and unregisters the observable callbacks. */
  close(): void;
}

const SCOPE = '@gatecache/metrics';

/** The key's sha256, truncated: spans must not carry the tenant part of a key in clear. */
export function keyHash(key: string, length = 16): string {
  return createHash('sha256').update(key).digest('hex').slice(0, length);
}

/**
 * OpenTelemetry instruments for one cache, through `@opentelemetry/api` only: the application wires the
 * SDK and exporters. Counters count from the moment of instrumentation; gauges read `cache.stats()`.
 */
export function instrumentCache(cache: Cache, options: InstrumentOptions = {}): CacheInstrumentation {
  const meter = options.meter ?? metrics.getMeter(SCOPE);
  const tracer = options.tracer ?? trace.getTracer(SCOPE);
  const clock = options.clock ?? systemClock;
  const hashLength = options.keyHashLength ?? 16;
  if (!(Number.isInteger(hashLength) && hashLength >= 8 && hashLength <= 64)) {
    throw new Error('instrumentCache: options.keyHashLength must be an integer from 8 to 64');
  }

  const hits = meter.createCounter('gatecache.hits', { description: 'Lookups answered with a fresh entry.' });
  const misses = meter.createCounter('gatecache.misses', {
    description: 'Lookups that found no usable entry.',
  });
  const staleHits = meter.createCounter('gatecache.stale_hits', {
    description: 'Lookups answered with a stale entry.',
  });
  const sets = meter.createCounter('gatecache.sets', { description: 'Entries written.' });
  const evictions = meter.createCounter('gatecache.evictions', {
    description: 'Entries evicted to make room.',
  });
  const tierErrors = meter.createCounter('gatecache.tier_errors', {
    description: 'Tier calls that threw or timed out.',
  });
  const tokensSaved = meter.createCounter('gatecache.tokens_saved', {
    description: 'Provider tokens not spent thanks to cache hits.',
    unit: '{token}',
  });
  const costSaved = meter.createCounter('gatecache.cost_saved', {
    description: 'Estimated provider cost not spent thanks to cache hits.',
    unit: 'USD',
  });
  const duration = meter.createHistogram('gatecache.lookup.duration', {
    description: 'Duration of cache lookups.',
    unit: 's',
  });
  const hitRate = meter.createObservableGauge('gatecache.hit_rate', {
    description: 'Share of lookups answered from the cache (fresh or stale), 0..1.',
  });
  const memoryUsage = meter.createObservableGauge('gatecache.memory.usage', {
    description: 'Bytes held by a tier, as it counts them.',
    unit: 'By',
  });
  const memoryLimit = meter.createObservableGauge('gatecache.memory.limit', {
    description: 'Byte cap of a tier (0: none).',
    unit: 'By',
  });
  const entries = meter.createObservableGauge('gatecache.entries', {
    description: 'Entries held, per tier and per namespace.',
  });
  const gauges = [hitRate, memoryUsage, memoryLimit, entries];

  const observe: Parameters<Meter['addBatchObservableCallback']>[0] = async (result) => {
    const stats = await cache.stats();
    result.observe(hitRate, stats.hitRate);
    for (const [namespace, n] of Object.entries(stats.namespaces)) {
      result.observe(hitRate, n.hitRate, { 'gatecache.namespace': namespace });
      result.observe(entries, n.entries, { 'gatecache.namespace': namespace });
    }
    for (const [tier, t] of Object.entries(stats.tiers)) {
      const attrs = { 'gatecache.tier': tier };
      result.observe(memoryUsage, t.bytes, attrs);
      result.observe(memoryLimit, t.maxBytes, attrs);
      result.observe(entries, t.entries, attrs);
    }
  };
  meter.addBatchObservableCallback(observe, gauges);
  const stopWarming = options.warming ? observeWarming(meter, options.warming) : undefined;

  const onHit = (e: CacheEvents['hit']): void => {
    (e.stale ? staleHits : hits).add(1, { 'gatecache.namespace': e.namespace, 'gatecache.tier': e.tier });
    const p = pending.get(e.key);
    if (p && e.entry) p.entry = e.entry;
  };
  const onMiss = (e: CacheEvents['miss']): void => misses.add(1, { 'gatecache.namespace': e.namespace });
  const onSet = (e: CacheEvents['set']): void => sets.add(1, { 'gatecache.namespace': e.namespace });
  const onEvict = (e: CacheEvents['evict']): void => {
    if (e.reason === 'evict')
      evictions.add(1, { 'gatecache.namespace': e.namespace, 'gatecache.tier': e.tier });
  };
  const onTierError = (e: CacheEvents['tier-error']): void =>
    tierErrors.add(1, { 'gatecache.tier': e.tier, 'gatecache.operation': e.op });

  // Core's lookup event precedes the hit event that carries the entry (same call, same tick): spans wait
  // one microtask so provider and model can be read from it.
  const pending = new Map<string, { result: LookupResult; end: number; entry?: CacheEntry }>();
  const flush = (key: string): void => {
    const p = pending.get(key);
    if (!p) return;
    pending.delete(key);
    const { result } = p;
    const attrs: Attributes = {
      'gatecache.outcome': result.outcome,
      'gatecache.namespace': result.namespace,
      'gatecache.key_hash': keyHash(result.key, hashLength),
    };
    if (result.tier) attrs['gatecache.tier'] = result.tier;
    if (p.entry?.provider) attrs['gen_ai.system'] = p.entry.provider;
    if (p.entry?.model) attrs['gen_ai.request.model'] = p.entry.model;
    const span = tracer.startSpan('gatecache.lookup', {
      startTime: p.end - result.durationMs,
      attributes: attrs,
    });
    span.end(p.end);
  };
  const stopLookups = onLookup(cache, (result) => {
    const attrs: Attributes = {
      'gatecache.namespace': result.namespace,
      'gatecache.outcome': result.outcome,
    };
    if (result.tier) attrs['gatecache.tier'] = result.tier;
    duration.record(result.durationMs / 1000, attrs);
    // A second lookup of the same key in the same tick ends the first span now.
    flush(result.key);
    pending.set(result.key, { result, end: clock.now() });
    queueMicrotask(() => flush(result.key));
  });

  // Tenant and model are the clients' strings: every distinct value is one more time series in the SDK.
  const limits = resolveLabelLimits('instrumentCache: labelLimits', options.labelLimits);
  const capped = { model: labelCap(limits.models), tenant: labelCap(limits.tenants) };
  const onSaved = (e: Record<string, unknown>): void => {
    const attrs: Attributes = {};
    for (const [name, field] of [
      ['gen_ai.request.model', 'model'],
      ['gen_ai.system', 'provider'],
      ['gatecache.tenant', 'tenant'],
      ['gatecache.namespace', 'namespace'],
    ] as const) {
      const value = e[field];
      if (typeof value !== 'string' || value === '') continue;
      attrs[name] = field === 'model' || field === 'tenant' ? capped[field].label(value) : value;
    }
    tokensSaved.add(num(e.inputTokens), { ...attrs, 'gen_ai.token.type': 'input' });
    tokensSaved.add(num(e.outputTokens), { ...attrs, 'gen_ai.token.type': 'output' });
    costSaved.add(num(e.costUsd), attrs);
  };

  cache.on('hit', onHit);
  cache.on('miss', onMiss);
  cache.on('set', onSet);
  cache.on('evict', onEvict);
  cache.on('tier-error', onTierError);
  options.responseCache?.events.on('saved', onSaved);

  let closed = false;
  return {
    close() {
      if (closed) return;
      closed = true;
      stopLookups();
      for (const key of [...pending.keys()]) flush(key);
      cache.off('hit', onHit);
      cache.off('miss', onMiss);
      cache.off('set', onSet);
      cache.off('evict', onEvict);
      cache.off('tier-error', onTierError);
      options.responseCache?.events.off('saved', onSaved);
      meter.removeBatchObservableCallback(observe, gauges);
      stopWarming?.();
    },
  };
}

const WARMING_COUNTERS = [
  ['requests', 'requests', 'Warm requests made (warming_requests_total).'],
  ['successes', 'successes', 'Warms that stored an entry (warming_success_total).'],
  ['failures', 'failures', 'Warms that failed; the old entry stayed (warming_failures_total).'],
  ['budget_skips', 'budgetSkips', 'Candidates left out by the warming budget.'],
  ['overruns', 'overruns', 'Warm cycles not started because the previous one still ran.'],
] as const;

const WARMING_RATIOS = [
  ['hit_rate', 'warmHitRate', 'Warmed entries later hit / successful warms, 0..1.'],
  ['coverage', 'coverage', 'Live warmed entries / entries in the cache, 0..1.'],
  ['efficiency', 'efficiency', 'Warmed entries later hit / all warms attempted, 0..1.'],
] as const;

/**
 * Observable instruments over the warmer's cumulative `stats()`: counters report its totals (since the
 * warmer was created), gauges its ratios. Returns the unregister function.
 */
function observeWarming(meter: Meter, source: WarmingStatsSource): () => void {
  const counters = WARMING_COUNTERS.map(
    ([name, field, description]) =>
      [field, meter.createObservableCounter(`gatecache.warming.${name}`, { description })] as const,
  );
  const ratios = WARMING_RATIOS.map(
    ([name, field, description]) =>
      [field, meter.createObservableGauge(`gatecache.warming.${name}`, { description })] as const,
  );
  // The warmer reports durations per job, not per warm: a histogram would only see one value per
  // collection, so the last job's duration is a gauge and the total time a counter.
  const duration = meter.createObservableGauge('gatecache.warming.duration', {
    description: 'Duration of the last warm job (warming_duration).',
    unit: 's',
  });
  const time = meter.createObservableCounter('gatecache.warming.time', {
    description: 'Time spent in warm jobs.',
    unit: 's',
  });
  const running = meter.createObservableGauge('gatecache.warming.running', {
    description: '1 while a warm job runs, else 0.',
  });
  const all = [...counters.map(([, i]) => i), ...ratios.map(([, i]) => i), duration, time, running];
  const observe: Parameters<Meter['addBatchObservableCallback']>[0] = (result) => {
    // Another package's figures: anything but a finite number reads as 0.
    const raw = source.stats();
    const stats = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    for (const [field, instrument] of counters) result.observe(instrument, num(stats[field]));
    for (const [field, instrument] of ratios) result.observe(instrument, num(stats[field]));
    result.observe(duration, num(stats.lastDurationMs) / 1000);
    result.observe(time, num(stats.totalDurationMs) / 1000);
    result.observe(running, stats.running === true ? 1 : 0);
  };
  meter.addBatchObservableCallback(observe, all);
  return () => meter.removeBatchObservableCallback(observe, all);
}
