import type { EventEmitter } from 'node:events';
import request from 'supertest';
import { script, stack } from './helpers';
import type { Stack } from './helpers';

describe('cacheMetrics stats routes', () => {
  let s: Stack;
  afterEach(async () => s.close());

  it('reports exactly the hits and misses of a scripted sequence in /api/cache/stats', async () => {
    s = stack();
    await script(s.cache, 7, 3);
    const res = await request(s.app).get('/api/cache/stats').expect(200);
    expect(res.body).toMatchObject({
      cache_hits: 7,
      cache_misses: 3,
      total_requests: 10,
      hit_rate: 0.7,
      sets: 1,
      deletes: 0,
      entries: 1,
      evictions: 0,
      stale_hits: 0,
      max_memory_mb: 8,
    });
    expect(res.body.memory_usage_mb).toBeGreaterThan(0);
    expect(res.body.namespaces.response).toMatchObject({ cache_hits: 7, cache_misses: 3, hit_rate: 0.7 });
    expect(res.body.tiers.memory).toMatchObject({ kind: 'memory', hits: 7, healthy: true, errors: 0 });
    expect(res.body.lookup_latency.count).toBe(10);
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('serves cache_performance and cache_warming from /metrics', async () => {
    s = stack({
      sources: {
        warming: { stats: () => ({ requests: 5, successes: 4, lastDurationMs: 1500, coverage: 0.5 }) },
        summary: {
          stats: () => ({ requests: 4, condensed: 1, tokensRemoved: 900, summaries: { hits: 1, misses: 1 } }),
        },
        responseCache: {
          stats: () => ({
            requests: 8,
            hits: 2,
            stale: 1,
            collapsed: 3,
            saved: { inputTokens: 10, outputTokens: 20, costUsd: 0.5 },
          }),
        },
      },
    });
    await script(s.cache, 2, 2);
    const res = await request(s.app).get('/metrics').expect(200);
    expect(res.body.cache_performance).toMatchObject({
      cache_hits: 2,
      cache_misses: 2,
      hit_rate: 0.5,
      miss_rate: 0.5,
    });
    expect(res.body.cache_performance.upstream_calls_avoided).toBe(6);
    expect(res.body.cache_performance.coalesced_requests).toBe(3);
    // The headline beside hit_rate: 6 of the response cache's 8 requests made no upstream call.
    expect(res.body.cache_performance.served_without_upstream_rate).toBe(0.75);
    const stats = await request(s.app).get('/api/cache/stats').expect(200);
    expect(stats.body).toMatchObject({ hit_rate: 0.5, served_without_upstream_rate: 0.75 });
    expect(res.body.cache_summary).toMatchObject({
      condensed: 1,
      tokens_removed: 900,
      summary_hit_rate: 0.5,
    });
    expect(res.body.cache_warming).toMatchObject({
      enabled: true,
      warming_requests_total: 5,
      warming_success_total: 4,
      warming_duration_ms: 1500,
      coverage: 0.5,
    });
  });

  it('renders a source that throws or returns garbage as absent', async () => {
    s = stack({
      sources: {
        warming: {
          stats: () => {
            throw new Error('boom');
          },
        },
        responseCache: { stats: () => 'nonsense' },
      },
    });
    const res = await request(s.app).get('/metrics').expect(200);
    expect(res.body.cache_warming.enabled).toBe(false);
    expect(res.body.cache_performance.coalesced_requests).toBeUndefined();
  });

  it('serves every route under mountPath', async () => {
    s = stack({ mountPath: '/ops' });
    await request(s.app).get('/ops/api/cache/stats').expect(200);
    await request(s.app).get('/ops/metrics/prometheus').expect(200);
    await request(s.app).get('/api/cache/stats').expect(404);
  });

  it.each([
    [{ prefix: '9bad' }, /^cacheMetrics: prefix must be a valid Prometheus name prefix/],
    [{ tiersRequired: ['redis'] }, /^cacheMetrics: tiersRequired names "redis"/],
    [
      { memoryLimits: { heapMb: -1 } },
      /^cacheMetrics: memoryLimits\.heapMb must be a positive number \(got -1\)/,
    ],
    [{ mountPath: 'ops' }, /^cacheMetrics: mountPath must start with/],
    [{ healthTimeoutMs: 0 }, /^cacheMetrics: healthTimeoutMs must be a positive number/],
    [{ intervalSeconds: -1 }, /^cacheMetrics: intervalSeconds must be a finite number >= 0/],
    [{ detailedStats: 'no' }, /^cacheMetrics: detailedStats must be a boolean/],
    [{ dashboardRefreshSeconds: 0 }, /^cacheMetrics: dashboardRefreshSeconds must be a number >= 1/],
    [{ memoryUsage: 5 }, /^cacheMetrics: memoryUsage must be a function/],
  ])('rejects %p with a TypeError naming the option', (options, message) => {
    expect(() => stack(options as never)).toThrow(TypeError);
    expect(() => stack(options as never)).toThrow(message);
    s = stack();
  });

  it('times lookups from the core lookup event and stops listening when closed', async () => {
    s = stack();
    const emitter = s.cache as unknown as EventEmitter;
    expect(emitter.listenerCount('lookup')).toBe(1);
    expect(Object.prototype.hasOwnProperty.call(s.cache, 'get')).toBe(false);
    await script(s.cache, 2, 1);
    const res = await request(s.app).get('/api/cache/stats').expect(200);
    expect(res.body.lookup_latency.count).toBe(3);
    s.router.close();
    expect(emitter.listenerCount('lookup')).toBe(0);
  });
});
