import express from 'express';
import request from 'supertest';
import { createCache, memoryStore } from '@gatecache/core';
import { cacheMetrics } from '../src';
import type { CacheMetricsOptions, CacheMetricsRouter } from '../src';
import { stack } from './helpers';
import type { Stack } from './helpers';

const ADMIN = 'metrics-admin-token-1';
const READER = 'metrics-read-token-1';
const SCRAPER = 'metrics-scrape-token-1';
const bearer = (t: string): [string, string] => ['Authorization', `Bearer ${t}`];
/** `[path, status]` of a GET with `token`: a failing expectation names the path. */
async function statusOf(app: express.Express, path: string, token: string): Promise<[string, number]> {
  const res = await request(app)
    .get(path)
    .set(...bearer(token));
  return [path, res.status];
}

/** The GET paths the router serves, read from the router itself so a new route is covered too. */
function pathsOf(router: CacheMetricsRouter): string[] {
  const stackOf = (router as unknown as { stack: Array<{ route?: { path: string } }> }).stack;
  return stackOf.flatMap((l) => (l.route ? [l.route.path] : []));
}

describe('cacheMetrics auth', () => {
  let s: Stack;
  afterEach(async () => s.close());

  it('refuses every route but the health probes with 503 when no token is configured, as the admin routes do', async () => {
    s = stack({ env: {}, auth: true });
    const paths = pathsOf(s.router);
    expect(paths).toEqual(
      expect.arrayContaining(['/metrics/prometheus', '/api/cache/stats', '/health', '/health/cache']),
    );
    for (const path of paths.filter((p) => p !== '/health' && p !== '/health/cache')) {
      const res = await request(s.app).get(path);
      expect([path, res.status, res.body.error?.type]).toEqual([path, 503, 'auth_not_configured']);
      expect(res.body.error.message).toContain('GATECACHE_ADMIN_TOKEN');
    }
    const health = await request(s.app).get('/health').expect(200);
    // The public verdict only: no tier names, messages or memory figures.
    expect(health.body).toEqual({
      status: 'ok',
      timestamp: expect.any(String),
      checks: { memory: { ok: true }, cache: { status: 'ok' } },
    });
  });

  it('reads the tokens from env: the admin and read tokens open every route, the scrape token Prometheus only', async () => {
    s = stack({
      env: { GATECACHE_ADMIN_TOKEN: ADMIN, GATECACHE_READ_TOKEN: READER, GATECACHE_SCRAPE_TOKEN: SCRAPER },
      auth: true,
    });
    for (const path of pathsOf(s.router)) {
      for (const token of [ADMIN, READER]) {
        expect(await statusOf(s.app, path, token)).toEqual([path, 200]);
      }
      const scraped = await request(s.app)
        .get(path)
        .set(...bearer(SCRAPER));
      const expected = ['/metrics/prometheus', '/health', '/health/cache'].includes(path) ? 200 : 403;
      expect([path, scraped.status]).toEqual([path, expected]);
      if (expected === 403) expect(scraped.body.error.type).toBe('forbidden');
    }
  });

  it('shows /health in full to the read and admin tokens, and the verdict only to anyone else', async () => {
    s = stack({ token: ADMIN, readToken: READER, scrapeToken: SCRAPER });
    const full = await request(s.app)
      .get('/health')
      .set(...bearer(READER))
      .expect(200);
    expect(full.body.checks.cache.tiers.memory).toMatchObject({ status: 'ok', kind: 'memory' });
    expect(full.body.checks.memory.rss_mb).toBeGreaterThan(0);
    for (const who of [SCRAPER, 'wrong-token-123']) {
      const res = await request(s.app)
        .get('/health')
        .set(...bearer(who))
        .expect(200);
      expect(Object.keys(res.body.checks.cache)).toEqual(['status']);
      expect(Object.keys(res.body.checks.memory)).toEqual(['ok']);
    }
  });

  it('answers /health/cache to anyone with tier states only, and in full to the read and admin tokens', async () => {
    s = stack({ token: ADMIN, readToken: READER, scrapeToken: SCRAPER });
    for (const path of ['/health/cache', '/HEALTH/Cache/', '/health/cache?x=1']) {
      const anonymous = await request(s.app).get(path).expect(200);
      expect(anonymous.body).toEqual({
        status: 'ok',
        tiers: { memory: { status: 'ok', kind: 'memory', required: false } },
        timestamp: expect.any(String),
      });
    }
    const full = await request(s.app)
      .get('/health/cache')
      .set(...bearer(READER))
      .expect(200);
    expect(full.body.tiers.memory).toMatchObject({
      status: 'ok',
      kind: 'memory',
      latency_ms: expect.any(Number),
    });
  });

  it('takes ?token= on the dashboard page only, and the read token there too', async () => {
    s = stack({ token: ADMIN, readToken: READER });
    const page = await request(s.app).get(`/api/cache/dashboard?token=${READER}`).expect(200);
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    await request(s.app).get(`/api/cache/stats?token=${ADMIN}`).expect(401);
    await request(s.app).get(`/metrics/prometheus?token=${ADMIN}`).expect(401);
  });

  it('refuses respelled paths (case, trailing slash, mount prefix, mountPath) with the JSON error body', async () => {
    s = stack({ token: ADMIN });
    const spellings = [
      '/METRICS',
      '/Metrics/prometheus',
      '/Api/cache/stats',
      '/api/cache/dashboard/',
      '/API/CACHE/ALERTS/',
      '/metrics/?x=1',
    ];
    for (const path of spellings) {
      const res = await request(s.app).get(path);
      expect([path, res.status, res.body.error?.type]).toEqual([path, 401, 'unauthorized']);
      expect(await statusOf(s.app, path, ADMIN)).toEqual([path, 200]);
    }
    const cache = createCache({ tiers: [memoryStore({ maxSizeMb: 1 })] });
    const opts: CacheMetricsOptions = { cache, token: ADMIN, env: {}, intervalSeconds: 0 };
    const mounted = cacheMetrics({ ...opts, mountPath: '/ops' });
    const prefixed = cacheMetrics(opts);
    const app = express().use(mounted).use('/admin', prefixed);
    try {
      for (const path of [
        '/OPS/metrics',
        '/ops/Metrics/',
        '/Admin/METRICS/prometheus',
        '/admin/api/cache/Stats',
      ]) {
        expect([path, (await request(app).get(path)).status]).toEqual([path, 401]);
        expect([
          path,
          (
            await request(app)
              .get(path)
              .set(...bearer(ADMIN))
          ).status,
        ]).toEqual([path, 200]);
      }
    } finally {
      mounted.close();
      prefixed.close();
      await cache.close();
    }
  });

  it('keeps adminToken as the former name of token and rejects bad tokens, naming the option', async () => {
    s = stack({ adminToken: ADMIN });
    await request(s.app).get('/metrics').expect(401);
    await request(s.app)
      .get('/metrics')
      .set(...bearer(ADMIN))
      .expect(200);
    expect(() => stack({ scrapeToken: 'short' })).toThrow(/cacheMetrics: scrapeToken must be a string/);
    expect(() => stack({ readToken: 'short' })).toThrow(TypeError);
  });

  it('lets everyone in with auth: false, on purpose', async () => {
    s = stack({ auth: false, env: { GATECACHE_ADMIN_TOKEN: ADMIN } });
    await request(s.app).get('/api/cache/stats').expect(200);
    const health = await request(s.app).get('/health').expect(200);
    expect(health.body.checks.cache.tiers).toBeDefined();
  });
});
