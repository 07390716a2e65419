import express from 'express';
import { Redis } from 'ioredis';
import request from 'supertest';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import type { DataPoint } from '@opentelemetry/sdk-metrics';
import { cacheMetrics, instrumentCache } from '@gatecache/metrics';
import { accessTracker, cacheWarmer } from '../src';
import type { AccessTracker, CacheWarmer, CacheWarmerOptions } from '../src';
import { chatRequest, manualClock, post, startGateway, startUpstream, until } from './helpers/stack';
import type { Gateway, Upstream } from './helpers/stack';
import { describeRedis, startRedis } from '../../store-redis/test/helpers/redis-server';
import type { RedisProcess } from '../../store-redis/test/helpers/redis-server';

const CLIENT = { authorization: 'Bearer sk-client-secret-aaaa' };
const GATEWAY_KEY = 'sk-gateway-own-key';
const TTL = 600;

let upstream: Upstream;
let gw: Gateway;
let clock: ReturnType<typeof manualClock>;
let tracker: AccessTracker;
let warmer: CacheWarmer | undefined;

beforeEach(async () => {
  clock = manualClock();
  upstream = await startUpstream();
  gw = await startGateway(upstream.url, { clock, namespaces: { response: { ttl: TTL } } });
  tracker = accessTracker({ cache: gw.cache, clock });
});
afterEach(async () => {
  warmer?.close();
  warmer = undefined;
  tracker.close();
  await gw.close();
  await upstream.close();
});

function makeWarmer(extra: Partial<CacheWarmerOptions> = {}): CacheWarmer {
  warmer = cacheWarmer({
    cache: gw.cache,
    tracker,
    upstream: { openai: { baseUrl: `${upstream.url}/v1`, apiKey: GATEWAY_KEY } },
    namespaces: ['response'],
    enabled: false,
    preloadThreshold: 3,
    refreshAhead: 120,
    clock,
    ...extra,
  });
  return warmer;
}

/** Sends `times` identical requests (1 miss, then hits) and returns the key. */
async function use(
  body: Record<string, unknown>,
  times: number,
  headers: Record<string, string> = CLIENT,
): Promise<string> {
  let key = '';
  for (let i = 0; i < times; i++) {
    const res = await post(`${gw.url}/v1/chat/completions`, body, headers);
    expect(res.status).toBe(200);
    key = res.headers['x-gatecache-key'] as string;
    if (i === 0) await until(() => gw.cache.has(key));
  }
  return key;
}

const prompt = (n: number): Record<string, unknown> => ({
  ...chatRequest,
  messages: [{ role: 'user', content: `question ${n}` }],
});

describe('cacheWarmer', () => {
  it('refreshes a popular key before it expires, so its clients keep hitting', async () => {
    const key = await use(prompt(1), 5);
    expect(upstream.received).toHaveLength(1);
    const before = await gw.cache.get(key, { record: false });
    clock.advance((TTL - 60) * 1000);
    const job = await makeWarmer().runCycle();
    expect(job).toMatchObject({ total: 1, succeeded: 1, failed: 0 });
    expect(upstream.received).toHaveLength(2);
    const after = await gw.cache.get(key, { record: false });
    expect(after!.expiresAt).toBeGreaterThan(before!.expiresAt);
    expect(after!.tenant).toBe(before!.tenant);
    // Past the original expiry the client still hits, without another upstream call.
    clock.advance(120 * 1000);
    const res = await post(`${gw.url}/v1/chat/completions`, prompt(1), CLIENT);
    expect(res.headers['x-cache']).toBe('HIT');
    expect(upstream.received).toHaveLength(2);
    const stats = warmer!.stats();
    expect(stats).toMatchObject({ requests: 1, successes: 1, warmHitRate: 1, efficiency: 1 });
    expect(stats.coverage).toBeGreaterThan(0);
  });

  it("reports its figures in @gatecache/metrics' JSON, Prometheus and OpenTelemetry outputs", async () => {
    await use(prompt(1), 4);
    clock.advance((TTL - 30) * 1000);
    makeWarmer();
    clock.advance(1);
    await warmer!.runCycle();
    const metrics = cacheMetrics({
      cache: gw.cache,
      sources: { warming: warmer! },
      intervalSeconds: 0,
      clock,
      auth: false,
    });
    try {
      const app = express().use(metrics);
      const json = await request(app).get('/metrics').expect(200);
      expect((json.body as { cache_warming: unknown }).cache_warming).toMatchObject({
        enabled: true,
        warming_requests_total: 1,
        warming_success_total: 1,
        warming_failures_total: 0,
        running: false,
        coverage: 1,
      });
      const prom = await request(app).get('/metrics/prometheus').expect(200);
      expect(prom.text).toMatch(/^warming_requests_total 1$/m);
      expect(prom.text).toMatch(/^warming_success_total 1$/m);
      expect(prom.text).toMatch(/^warming_coverage 1$/m);
    } finally {
      metrics.close();
    }
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
    const provider = new MeterProvider({ readers: [reader] });
    const otel = instrumentCache(gw.cache, { meter: provider.getMeter('test'), warming: warmer! });
    try {
      await reader.forceFlush();
      const points = new Map(
        exporter
          .getMetrics()
          .at(-1)!
          .scopeMetrics.flatMap((sm) => sm.metrics)
          .map((m) => [m.descriptor.name, (m.dataPoints as DataPoint<number>[])[0]!.value]),
      );
      expect(points.get('gatecache.warming.requests')).toBe(1);
      expect(points.get('gatecache.warming.successes')).toBe(1);
      expect(points.get('gatecache.warming.failures')).toBe(0);
      expect(points.get('gatecache.warming.coverage')).toBe(1);
      expect(points.get('gatecache.warming.running')).toBe(0);
      expect(points.get('gatecache.warming.duration')).toBe(warmer!.stats().lastDurationMs / 1000);
    } finally {
      otel.close();
      await provider.shutdown();
    }
  });

  it('leaves keys alone that are not yet near expiry or not popular enough', async () => {
    await use(prompt(1), 5);
    await use(prompt(2), 1);
    clock.advance(60 * 1000);
    const job = await makeWarmer().runCycle();
    expect(job).toMatchObject({ total: 0 });
    clock.advance((TTL - 120) * 1000);
    expect(await warmer!.runCycle()).toMatchObject({ total: 1 });
    expect(upstream.received).toHaveLength(3);
  });

  it("sends the gateway's credential upstream and never a client's", async () => {
    await use(prompt(1), 4, { ...CLIENT, cookie: 'session=client-cookie', 'openai-beta': 'assistants=v2' });
    clock.advance((TTL - 30) * 1000);
    await makeWarmer().runCycle();
    const warm = upstream.received[1]!;
    expect(warm.url).toBe('/v1/chat/completions');
    expect(warm.headers.authorization).toBe(`Bearer ${GATEWAY_KEY}`);
    expect(warm.headers['openai-beta']).toBe('assistants=v2');
    expect(JSON.parse(warm.body)).toEqual(prompt(1));
    const all = JSON.stringify(warm.headers);
    expect(all).not.toContain('sk-client-secret');
    expect(all).not.toContain('client-cookie');
  });

  it('lets a client with its own credential hit an entry the warmer stored after it expired', async () => {
    // Created first, as at start-up: it keeps the recipes of tracked keys as they are stored.
    makeWarmer({ refreshAhead: 0 });
    const key = await use(prompt(1), 4);
    clock.advance((TTL + 1) * 1000);
    // Gone from the cache: the warmer replays the recipe it kept when the entry was stored.
    expect(await gw.cache.has(key)).toBe(false);
    expect(await warmer!.runCycle()).toMatchObject({ succeeded: 1 });
    const res = await post(`${gw.url}/v1/chat/completions`, prompt(1), CLIENT);
    expect(res.headers['x-cache']).toBe('HIT');
    expect(res.headers['x-gatecache-key']).toBe(key);
    expect(upstream.received).toHaveLength(2);
  });

  it('keeps within the concurrency limit, the batch and the hourly budget', async () => {
    for (let i = 0; i < 6; i++) await use(prompt(i), 3);
    clock.advance((TTL - 30) * 1000);
    upstream.delayMs = 30;
    makeWarmer({ maxConcurrent: 2, budget: { perCycle: 3, perHour: 4 } });
    const first = await warmer!.runCycle();
    expect(first).toMatchObject({ total: 3, succeeded: 3, skipped: 3 });
    expect(upstream.maxInFlight).toBe(2);
    const second = await warmer!.runCycle();
    expect(second).toMatchObject({ succeeded: 1 });
    expect(second!.skipped).toBeGreaterThanOrEqual(2);
    expect(upstream.received).toHaveLength(6 + 4);
    expect(warmer!.status().budget.hour.warms).toBe(0);
  });

  it('stops at the token budget, estimated from the entry it refreshes', async () => {
    for (let i = 0; i < 3; i++) await use(prompt(i), 3);
    const entry = await gw.cache.get(await use(prompt(0), 1), { record: false });
    const tokens = (entry!.usage!.inputTokens ?? 0) + (entry!.usage!.outputTokens ?? 0);
    expect(tokens).toBeGreaterThan(0);
    clock.advance((TTL - 30) * 1000);
    const job = await makeWarmer({ budget: { maxTokensPerHour: tokens * 2 } }).runCycle();
    expect(job).toMatchObject({ succeeded: 2, skipped: 1 });
  });

  it('reports a running job in its status, and idles when it is done', async () => {
    await use(prompt(1), 3);
    await use(prompt(2), 3);
    clock.advance((TTL - 30) * 1000);
    let release!: () => void;
    upstream.hold = new Promise<void>((r) => (release = r));
    makeWarmer({ maxConcurrent: 1 });
    const { jobId, done } = warmer!.warmNow();
    await until(() => warmer!.status().currentJob?.total === 2);
    const running = warmer!.status();
    expect(running).toMatchObject({ state: 'running', currentJob: { id: jobId, total: 2, done: 0 } });
    expect(() => warmer!.warmNow()).toThrow(/already running/);
    expect(await warmer!.runCycle()).toBeUndefined();
    release();
    await done;
    expect(warmer!.status()).toMatchObject({ state: 'idle', currentJob: null, candidates: 2 });
    expect(warmer!.stats().overruns).toBe(1);
  });

  it('keeps the old entry when a warm fails, and counts the failure', async () => {
    const key = await use(prompt(1), 3);
    const before = await gw.cache.get(key, { record: false });
    clock.advance((TTL - 30) * 1000);
    upstream.status = 500;
    const job = await makeWarmer().runCycle();
    expect(job).toMatchObject({ failed: 1, succeeded: 0 });
    const after = await gw.cache.get(key, { record: false });
    expect(after!.body.equals(before!.body)).toBe(true);
    expect(after!.expiresAt).toBe(before!.expiresAt);
    expect(warmer!.status().failures).toBe(1);
  });

  it('stores no answer over maxEntryBytes and keeps the old entry, reading no more of it than the cap', async () => {
    const key = await use(prompt(1), 3);
    const before = await gw.cache.get(key, { record: false });
    clock.advance((TTL - 30) * 1000);
    // The upstream's answer is the entry's own body: a cap just under it refuses the warm.
    const job = await makeWarmer({ maxEntryBytes: before!.body.length - 1 }).runCycle();
    expect(job).toMatchObject({ failed: 1, succeeded: 0 });
    expect(warmer!.status().failures).toBe(1);
    const after = await gw.cache.get(key, { record: false });
    expect(after!.expiresAt).toBe(before!.expiresAt);
    warmer!.close();
    // At the answer's size it is stored again.
    expect(await makeWarmer({ maxEntryBytes: before!.body.length }).runCycle()).toMatchObject({
      succeeded: 1,
    });
  });

  it('refuses an answer over maxEntryBytes from a custom replay too', async () => {
    const key = await use(prompt(1), 3);
    clock.advance((TTL - 30) * 1000);
    const big = Buffer.alloc(4096, 'x');
    const job = await makeWarmer({
      maxEntryBytes: 1024,
      replay: async () => ({ status: 200, headers: { 'content-type': 'application/json' }, body: big }),
    }).runCycle();
    expect(job).toMatchObject({ failed: 1, succeeded: 0 });
    expect((await gw.cache.get(key, { record: false }))!.body.length).toBeLessThan(4096);
  });

  it('skips excluded tenants and models, and namespaces that did not opt in', async () => {
    const key = await use(prompt(1), 3);
    const tenant = key.split(':')[4]!;
    clock.advance((TTL - 30) * 1000);
    expect(await makeWarmer({ excludeTenants: [tenant] }).runCycle()).toMatchObject({ total: 0 });
    warmer!.close();
    expect(await makeWarmer({ excludeModels: ['gpt-4o*'] }).runCycle()).toMatchObject({ total: 0 });
    warmer!.close();
    expect(await makeWarmer({ namespaces: ['models', 'config'] }).runCycle()).toMatchObject({ total: 0 });
    expect(upstream.received).toHaveLength(1);
  });

  it('warms the given keys on demand', async () => {
    const key = await use(prompt(1), 1);
    const { done } = makeWarmer().warmNow({ keys: [key] });
    expect(await done).toMatchObject({ kind: 'manual', total: 1, succeeded: 1 });
  });

  it('warms a rising key with prediction on that popularity alone would not pick', async () => {
    tracker.close();
    tracker = accessTracker({ cache: gw.cache, clock, patternWindow: 300, buckets: 3 });
    let key = '';
    for (const count of [1, 2, 3]) {
      key = await use(prompt(7), count);
      clock.advance(100_000);
    }
    clock.advance(-1);
    const options = { preloadThreshold: 10, refreshAhead: TTL, predictionWindow: 300 };
    expect(await makeWarmer(options).runCycle()).toMatchObject({ total: 0 });
    warmer!.close();
    const job = await makeWarmer({
      ...options,
      predictive: true,
      predictionModel: 'linear_regression',
    }).runCycle();
    expect(job).toMatchObject({ total: 1, succeeded: 1 });
    expect(upstream.received).toHaveLength(2);
    expect(upstream.received[1]!.url).toBe('/v1/chat/completions');
    expect(key).toMatch(/^response:/);
  });

  it('rejects bad options with their name', () => {
    expect(() => cacheWarmer({ cache: gw.cache, tracker } as CacheWarmerOptions)).toThrow(/upstream/);
    expect(() => makeWarmer({ maxConcurrent: 0 })).toThrow(/maxConcurrent/);
    expect(() => makeWarmer({ upstream: { openai: { baseUrl: 'nope', apiKey: 'k' } } })).toThrow(/baseUrl/);
  });
});

describeRedis('cacheWarmer with popularity shared through Redis', () => {
  let server: RedisProcess;
  const clients: Redis[] = [];
  let seen: AccessTracker | undefined;

  beforeAll(async () => {
    server = await startRedis();
  });
  afterEach(() => {
    seen?.close();
    for (const c of clients.splice(0)) c.disconnect();
  });
  afterAll(async () => {
    await server.stop();
  });

  const shared = (): { client: Redis; flushIntervalMs: number } => {
    const client = new Redis({ port: server.port, host: server.host });
    clients.push(client);
    return { client, flushIntervalMs: 60_000 };
  };

  it('warms a key that only another instance was asked for', async () => {
    // The instance that serves the traffic records it; the warming instance's own tracker sees none.
    seen = accessTracker({ cache: gw.cache, clock, shared: shared() });
    tracker.close();
    tracker = accessTracker({ clock, shared: shared() });
    const key = await use(prompt(1), 4);
    await seen.sync!();
    clock.advance((TTL - 30) * 1000);
    const job = await makeWarmer().runCycle();
    expect(tracker.stats().lookups).toBe(0);
    expect(tracker.pattern(key)).toMatchObject({ recent: 4, shared: 4, hits: 0 });
    expect(job).toMatchObject({ total: 1, succeeded: 1 });
    expect(upstream.received).toHaveLength(2);
    expect(upstream.received[1]!.headers.authorization).toBe(`Bearer ${GATEWAY_KEY}`);
  });
});
