// Item 7 of issue 15: state keyed by client input must stay bounded. Tenants minted from one real key plus a
// header the provider never reads, hundreds to a thousand distinct models (answered, and answered 404), and model names
// of absurd length, over real HTTP against the gateway example and against the middlewares in a plain Express
// app with low limits. Series counts and map sizes stay bounded, what was folded is reported, and other
// requests keep being served while the flood runs.
import { forAll, proxyStack } from '@gatecache/test-kit';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createCache } from '@gatecache/core';
import { cacheAdmin } from '@gatecache/admin';
import { cacheMetrics } from '@gatecache/metrics';
import { responseCache } from '@gatecache/response-cache';
import type { ResponseCacheMiddleware } from '@gatecache/response-cache';
import { createMockProvider } from '@gatecache/example-mock-provider';
import { ADMIN_TOKEN, admin, chat, gateway, post, whileServing } from './helpers';

// Floods of a few hundred to a thousand requests: give each test more than jest's default under a busy run.
jest.setTimeout(120_000);

/** Runs `count` calls of `one`, `width` at a time. */
async function flood(count: number, width: number, one: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) await one(next++);
    }),
  );
}

/** Prometheus samples (not comments) of the families whose name starts with `prefix`. */
function series(text: string, prefix: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(prefix));
}

async function json(url: string): Promise<Record<string, unknown>> {
  const res = await fetch(url, { headers: admin });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

async function text(url: string): Promise<string> {
  const res = await fetch(url, { headers: admin });
  expect(res.status).toBe(200);
  return res.text();
}

const tenantOf = (key: string | null): string => (key ?? '').split(':')[4] ?? '';

describe('the gateway example', () => {
  const gw = forAll(gateway, (g) => g.stop());

  it('should not mint a tenant per random x-api-key next to one real OpenAI key', async () => {
    const tenants = new Set<string>();
    const seen = await whileServing(`${gw().url}/health`, () =>
      flood(400, 16, async (i) => {
        // Same body for all: with the tenant from the ignored header, each would be a miss of its own.
        const r = await post(
          `${gw().url}/v1/embeddings`,
          { model: 'text-embedding-3-small', input: 'x' },
          {
            'x-api-key': `random-${i}`,
            'api-key': `random-${i}`,
            'x-goog-api-key': `random-${i}`,
          },
        );
        expect(r.status).toBe(200);
        tenants.add(tenantOf(r.headers.get('x-gatecache-key')));
      }),
    );
    expect(seen.failures).toEqual([]);
    expect(seen.worstMs).toBeLessThan(2000);
    expect(tenants.size).toBe(1);
    const rc = (await json(`${gw().url}/api/cache/stats`)).response_cache as Record<string, unknown>;
    expect(Object.keys(rc.saved_by_tenant as object)).toHaveLength(1);
    const prom = await text(`${gw().url}/metrics/prometheus`);
    expect(series(prom, 'cache_cost_saved_usd_by_tenant_total')).toHaveLength(1);
  });

  it('should not mint a model-list key per random x-api-key next to a real OpenAI key', async () => {
    const keys = new Set<string>();
    await flood(100, 8, async (i) => {
      const r = await fetch(`${gw().url}/v1/models`, {
        headers: { authorization: 'Bearer sk-hostile-tenant-a', 'x-api-key': `random-${i}` },
      });
      await r.arrayBuffer();
      expect(r.status).toBe(200);
      keys.add(r.headers.get('x-gatecache-key') ?? '');
    });
    expect([...keys]).toHaveLength(1);
    expect([...keys][0]).toMatch(/^models:openai:/);
  });

  it('should still tell tenants apart by the credential each provider reads', async () => {
    const key = async (url: string, body: unknown, headers: Record<string, string>): Promise<string> => {
      const r = await post(url, body, headers);
      expect(r.status).toBeLessThan(500);
      return tenantOf(r.headers.get('x-gatecache-key'));
    };
    const openai = (auth: string, other: string): Promise<string> =>
      key(`${gw().url}/v1/chat/completions`, chat('who'), {
        authorization: `Bearer ${auth}`,
        'x-api-key': other,
      });
    expect(await openai('sk-a', 'x1')).toBe(await openai('sk-a', 'x2'));
    expect(await openai('sk-a', 'x1')).not.toBe(await openai('sk-b', 'x1'));
    const anthropic = (k: string, other: string): Promise<string> =>
      key(
        `${gw().url}/anthropic/v1/messages`,
        { model: 'claude-3-5-haiku-latest', max_tokens: 16, messages: [{ role: 'user', content: 'who' }] },
        { authorization: '', 'x-api-key': k, 'api-key': other, 'anthropic-version': '2023-06-01' },
      );
    expect(await anthropic('ak-a', 'o1')).toBe(await anthropic('ak-a', 'o2'));
    expect(await anthropic('ak-a', 'o1')).not.toBe(await anthropic('ak-b', 'o1'));
  });

  it('should fold models past the default limit into other and report the count', async () => {
    // 260 models > the default 200, each stored and then hit once.
    const seen = await whileServing(`${gw().url}/health`, () =>
      flood(260, 16, async (i) => {
        for (let n = 0; n < 2; n++) {
          const r = await post(`${gw().url}/v1/embeddings`, { model: `flood-model-${i}`, input: 'y' });
          expect(r.status).toBe(200);
        }
      }),
    );
    expect(seen.failures).toEqual([]);
    expect(seen.worstMs).toBeLessThan(2000);
    const rc = (await json(`${gw().url}/api/cache/stats`)).response_cache as Record<string, unknown>;
    const models = Object.keys(rc.saved_by_model as object);
    expect(models.length).toBeLessThanOrEqual(201);
    expect(models).toContain('other');
    expect((rc.labels_folded as { models: number }).models).toBeGreaterThanOrEqual(60);
    const prom = await text(`${gw().url}/metrics/prometheus`);
    expect(series(prom, 'cache_cost_saved_usd_by_model_total').length).toBeLessThanOrEqual(201);
    const folded = series(prom, 'cache_labels_folded_total{dimension="model"}')[0] ?? '';
    expect(Number(folded.split(' ')[1])).toBeGreaterThanOrEqual(60);
  });

  it('should pass a request naming a model of absurd length through without keying it', async () => {
    const r = await post(`${gw().url}/v1/embeddings`, { model: 'm'.repeat(5000), input: 'z' });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-cache')).toBe('BYPASS');
    expect(r.headers.get('cache-status')).toContain('model-too-long');
  });
});

interface Plain {
  url: string;
  mw: ResponseCacheMiddleware;
  stop(): Promise<void>;
}

/**
 * The middlewares in a plain Express app with low limits, in front of `upstream` (the mock provider, or a
 * server that answers 404 to everything).
 */
async function plainApp(upstream: string): Promise<Plain> {
  const cache = createCache();
  const mw = responseCache({ cache, accounting: { labelLimits: { tenants: 5, models: 4 } } });
  const metrics = cacheMetrics({
    cache,
    sources: { responseCache: mw },
    adminToken: ADMIN_TOKEN,
    labelLimits: { pairs: 6 },
  });
  const adminRouter = cacheAdmin({ cache, token: ADMIN_TOKEN, labelLimits: { models: 3 } });
  const stack = await proxyStack({
    upstream,
    mount: '/v1',
    cache: mw,
    before: (app) => {
      app.use(metrics, adminRouter);
      app.get('/ping', (_req, res) => res.send('ok'));
    },
  });
  return {
    url: stack.url,
    mw,
    async stop() {
      await stack.close();
      metrics.close();
      adminRouter.close();
    },
  };
}

describe('responseCache, cacheMetrics and cacheAdmin in a plain Express app with low limits', () => {
  it('should keep per-tenant and per-model buckets and series within the limits and count the rest', async () => {
    const mock = createMockProvider({ latencyMs: 0, errorRate: 0 });
    const app = await plainApp(await mock.listen(0));
    try {
      const seen = await whileServing(`${app.url}/ping`, () =>
        flood(400, 16, async (i) => {
          const headers = { authorization: `Bearer sk-real-${i}` };
          for (let n = 0; n < 2; n++) {
            const r = await post(`${app.url}/v1/embeddings`, { model: `m-${i}`, input: 'x' }, headers);
            expect(r.status).toBe(200);
          }
        }),
      );
      expect(seen.failures).toEqual([]);
      expect(seen.worstMs).toBeLessThan(2000);
      const s = app.mw.stats();
      expect(Object.keys(s.byTenant).length).toBe(6);
      expect(Object.keys(s.byModel).length).toBe(5);
      expect(s.byTenant.other?.hits).toBe(395);
      expect(s.folded).toEqual({ tenants: 395, models: 396 });
      const prom = await text(`${app.url}/metrics/prometheus`);
      // Three series per bucket (input, output, cost) and per (model, tenant) pair.
      expect(series(prom, 'cache_tokens_saved_by_tenant_total')).toHaveLength(12);
      expect(series(prom, 'cache_tokens_saved_total')).toHaveLength(14);
      expect(series(prom, 'cache_labels_folded_total')).toEqual([
        'cache_labels_folded_total{dimension="tenant"} 395',
        'cache_labels_folded_total{dimension="model"} 396',
        'cache_labels_folded_total{dimension="pair"} 394',
      ]);
      const patterns = await json(`${app.url}/debug/cache/patterns`);
      expect(Object.keys(patterns.by_model as object).length).toBeLessThanOrEqual(4);
      expect((patterns.folded as { models: number }).models).toBeGreaterThan(0);
    } finally {
      await app.stop();
      await mock.close();
    }
  });

  it('should not grow per-model maps or series for models the provider answers 404', async () => {
    const upstream = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('{"error":{"type":"invalid_request_error","message":"model not found"}}');
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const app = await plainApp(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`);
    try {
      const before = series(await text(`${app.url}/metrics/prometheus`), 'cache_').length;
      const seen = await whileServing(`${app.url}/ping`, () =>
        flood(1000, 16, async (i) => {
          const r = await post(`${app.url}/v1/embeddings`, { model: `unknown-${i}`, input: 'x' });
          expect(r.status).toBe(404);
        }),
      );
      expect(seen.failures).toEqual([]);
      expect(seen.worstMs).toBeLessThan(2000);
      const s = app.mw.stats();
      expect(s.notStored).toBe(1000);
      expect(Object.keys(s.byModel)).toEqual([]);
      const patterns = await json(`${app.url}/debug/cache/patterns`);
      // No answer of any of them was stored: none got a row of its own.
      expect(Object.keys(patterns.by_model as object)).toEqual(['other']);
      expect((patterns.folded as { models: number }).models).toBe(1000);
      const after = series(await text(`${app.url}/metrics/prometheus`), 'cache_').length;
      // Only the lookup histogram's miss series and the like may appear, never one per model.
      expect(after - before).toBeLessThan(40);
    } finally {
      await app.stop();
      upstream.closeAllConnections();
      await new Promise((resolve) => upstream.close(resolve));
    }
  });

  it('should refuse a limit that is not a count, naming the option', () => {
    const cache = createCache();
    expect(() => responseCache({ cache, accounting: { labelLimits: { tenants: -1 } } })).toThrow(
      /responseCache: accounting\.labelLimits\.tenants must be an integer >= 0/,
    );
    expect(() => cacheAdmin({ cache, token: ADMIN_TOKEN, labelLimits: { models: 1.5 } })).toThrow(TypeError);
  });
});
