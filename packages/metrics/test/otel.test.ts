import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import type { DataPoint, Histogram as OtelHistogram, MetricData } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import request from 'supertest';
import { createCache, memoryStore } from '@gatecache/core';
import { instrumentCache, keyHash } from '../src';
import { script, stack } from './helpers';
import type { Stack } from './helpers';

function otel() {
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  // A long interval: the test collects with forceFlush, never on a timer.
  const reader = new PeriodicExportingMetricReader({
    exporter: metricExporter,
    exportIntervalMillis: 3_600_000,
  });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const spanExporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] });
  return {
    meter: meterProvider.getMeter('test'),
    tracer: tracerProvider.getTracer('test'),
    spans: () => spanExporter.getFinishedSpans(),
    async collect(): Promise<Map<string, MetricData>> {
      await reader.forceFlush();
      const all =
        metricExporter
          .getMetrics()
          .at(-1)
          ?.scopeMetrics.flatMap((s) => s.metrics) ?? [];
      return new Map(all.map((m) => [m.descriptor.name, m]));
    },
    async shutdown(): Promise<void> {
      await meterProvider.shutdown();
      await tracerProvider.shutdown();
    },
  };
}

const sum = (m: MetricData | undefined): number =>
  (m?.dataPoints as DataPoint<number>[] | undefined)?.reduce((n, p) => n + p.value, 0) ?? 0;

describe('instrumentCache', () => {
  let s: Stack;
  let o: ReturnType<typeof otel>;
  afterEach(async () => {
    await s.close();
    await o.shutdown();
  });

  it('reports the same hits and misses through OpenTelemetry, /api/cache/stats and Prometheus', async () => {
    s = stack();
    o = otel();
    const inst = instrumentCache(s.cache, { meter: o.meter, tracer: o.tracer });
    const N = 7;
    const M = 4;
    await script(s.cache, N, M);

    const m = await o.collect();
    expect(sum(m.get('gatecache.hits'))).toBe(N);
    expect(sum(m.get('gatecache.misses'))).toBe(M);
    expect(sum(m.get('gatecache.stale_hits'))).toBe(0);
    expect(sum(m.get('gatecache.sets'))).toBe(1);
    const duration = m.get('gatecache.lookup.duration')!.dataPoints as DataPoint<OtelHistogram>[];
    const byOutcome = Object.fromEntries(
      duration.map((p) => [p.attributes['gatecache.outcome'], p.value.count]),
    );
    expect(byOutcome).toEqual({ hit: N, miss: M });
    const rates = m.get('gatecache.hit_rate')!.dataPoints as DataPoint<number>[];
    expect(rates.find((p) => Object.keys(p.attributes).length === 0)!.value).toBeCloseTo(N / (N + M));
    expect(rates.find((p) => p.attributes['gatecache.namespace'] === 'response')!.value).toBeCloseTo(
      N / (N + M),
    );
    const memory = m.get('gatecache.memory.usage')!.dataPoints as DataPoint<number>[];
    expect(memory[0]!.attributes['gatecache.tier']).toBe('memory');
    expect(memory[0]!.value).toBeGreaterThan(0);
    const entries = m.get('gatecache.entries')!.dataPoints as DataPoint<number>[];
    expect(entries.find((p) => p.attributes['gatecache.tier'] === 'memory')!.value).toBe(1);

    const stats = await request(s.app).get('/api/cache/stats').expect(200);
    expect(stats.body).toMatchObject({ cache_hits: N, cache_misses: M, total_requests: N + M });
    expect(stats.body.lookup_latency.count).toBe(N + M);

    const text = (await request(s.app).get('/metrics/prometheus').expect(200)).text;
    const families = new Map(parsePrometheusTextFormat(text).map((f) => [f.name, f]));
    const value = (name: string) =>
      families.get(name)!.metrics.reduce((n, x) => n + Number((x as { value: string }).value), 0);
    expect(value('cache_hits_total')).toBe(N);
    expect(value('cache_misses_total')).toBe(M);
    expect(value('cache_hit_rate')).toBeCloseTo(N / (N + M));
    inst.close();
  });

  it('emits one gatecache.lookup span per lookup with outcome, tier, key hash and gen_ai attributes', async () => {
    s = stack();
    o = otel();
    let now = 5_000_000;
    const inst = instrumentCache(s.cache, { meter: o.meter, tracer: o.tracer, clock: { now: () => now } });
    await script(s.cache, 2, 1);
    now += 1000;
    await Promise.resolve();
    const spans = o.spans();
    expect(spans.map((x) => x.name)).toEqual(['gatecache.lookup', 'gatecache.lookup', 'gatecache.lookup']);
    const hit = spans[0]!;
    const key = 'response:openai:chat:gpt-4o:t1:abc';
    expect(hit.attributes).toMatchObject({
      'gatecache.outcome': 'hit',
      'gatecache.tier': 'memory',
      'gatecache.namespace': 'response',
      'gatecache.key_hash': keyHash(key),
      'gen_ai.system': 'openai',
      'gen_ai.request.model': 'gpt-4o',
    });
    expect(String(hit.attributes['gatecache.key_hash'])).toMatch(/^[0-9a-f]{16}$/);
    expect(JSON.stringify(spans.map((x) => x.attributes))).not.toContain('t1');
    const miss = spans[2]!;
    expect(miss.attributes['gatecache.outcome']).toBe('miss');
    expect(miss.attributes['gatecache.tier']).toBeUndefined();
    expect(miss.attributes['gen_ai.system']).toBeUndefined();
    // Explicit times from the event: the span ends at the clock's now and lasts the lookup's duration.
    const endMs = miss.endTime[0] * 1000 + miss.endTime[1] / 1e6;
    expect(endMs).toBeCloseTo(5_000_000, 0);
    inst.close();
  });

  it("reports the warmer's figures as gatecache.warming.* instruments, read at each collection", async () => {
    s = stack();
    o = otel();
    // A stand-in with the shape of @gatecache/warming's stats(): metrics reads it structurally.
    const figures: Record<string, unknown> = {
      requests: 5,
      successes: 4,
      failures: 1,
      budgetSkips: 2,
      overruns: 1,
      lastDurationMs: 1500,
      totalDurationMs: 4000,
      running: true,
      lastRunAt: null,
      warmHitRate: 0.75,
      coverage: 0.2,
      efficiency: 0.6,
    };
    const inst = instrumentCache(s.cache, {
      meter: o.meter,
      tracer: o.tracer,
      warming: { stats: () => figures },
    });
    let m = await o.collect();
    const value = (name: string): number | undefined =>
      (m.get(name)?.dataPoints as DataPoint<number>[] | undefined)?.[0]?.value;
    expect({
      requests: value('gatecache.warming.requests'),
      successes: value('gatecache.warming.successes'),
      failures: value('gatecache.warming.failures'),
      budgetSkips: value('gatecache.warming.budget_skips'),
      overruns: value('gatecache.warming.overruns'),
      duration: value('gatecache.warming.duration'),
      time: value('gatecache.warming.time'),
      running: value('gatecache.warming.running'),
      hitRate: value('gatecache.warming.hit_rate'),
      coverage: value('gatecache.warming.coverage'),
      efficiency: value('gatecache.warming.efficiency'),
    }).toEqual({
      requests: 5,
      successes: 4,
      failures: 1,
      budgetSkips: 2,
      overruns: 1,
      duration: 1.5,
      time: 4,
      running: 1,
      hitRate: 0.75,
      coverage: 0.2,
      efficiency: 0.6,
    });
    expect(m.get('gatecache.warming.duration')!.descriptor.unit).toBe('s');
    expect(m.get('gatecache.warming.requests')!.dataPointType).toBe(DataPointType.SUM);
    expect(m.get('gatecache.warming.hit_rate')!.dataPointType).toBe(DataPointType.GAUGE);

    Object.assign(figures, { requests: 9, running: false, coverage: 'not a number' });
    m = await o.collect();
    expect(value('gatecache.warming.requests')).toBe(9);
    expect(value('gatecache.warming.running')).toBe(0);
    expect(value('gatecache.warming.coverage')).toBe(0);
    inst.close();
  });

  it('adds no warming instruments without a warmer and stops reading the warmer when closed', async () => {
    s = stack();
    o = otel();
    const plain = instrumentCache(s.cache, { meter: o.meter, tracer: o.tracer });
    expect([...(await o.collect()).keys()].filter((n) => n.startsWith('gatecache.warming'))).toEqual([]);
    plain.close();
    let reads = 0;
    const inst = instrumentCache(s.cache, {
      meter: o.meter,
      tracer: o.tracer,
      warming: { stats: () => (reads++, { requests: 1 }) },
    });
    expect(sum((await o.collect()).get('gatecache.warming.requests'))).toBe(1);
    expect(reads).toBe(1);
    inst.close();
    await o.collect();
    expect(reads).toBe(1);
  });

  it('counts stale hits apart and stops recording when closed', async () => {
    let now = 1_000_000;
    const clock = { now: () => now };
    const cache = createCache({ clock, tiers: [memoryStore({ maxSizeMb: 1, clock })] });
    s = { close: () => cache.close() } as Stack;
    o = otel();
    const inst = instrumentCache(cache, { meter: o.meter, tracer: o.tracer });
    await cache.set('response:s', { body: 'x' }, { ttl: 1, staleWhileRevalidate: 60 });
    now += 2000;
    expect((await cache.get('response:s', { allowStale: true }))?.stale).toBe(true);
    await Promise.resolve();
    expect(o.spans()[0]!.attributes['gatecache.outcome']).toBe('stale');
    inst.close();
    await cache.get('response:s', { allowStale: true });
    const m = await o.collect();
    expect(sum(m.get('gatecache.stale_hits'))).toBe(1);
    expect(sum(m.get('gatecache.hits'))).toBe(0);
    expect(m.get('gatecache.hit_rate')).toBeUndefined();
    expect(o.spans()).toHaveLength(1);
  });
});
