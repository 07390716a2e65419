import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import express from 'express';
import { Redis } from 'ioredis';
import { ConfigError, createGatecache, loadConfig, parseConfig } from '../src';
import { describeRedis, startRedis } from '../../store-redis/test/helpers/redis-server';
import type { RedisProcess } from '../../store-redis/test/helpers/redis-server';

const EXAMPLES = join(__dirname, '../../../examples/gateway');

async function answer(app: express.Express, path: string, init: RequestInit = {}): Promise<Response> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  try {
    const { port } = server.address() as AddressInfo;
    return await fetch(`http://127.0.0.1:${port}${path}`, init).then(async (res) => {
      await res.clone().arrayBuffer();
      return res;
    });
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}

/** An Express app with the stack mounted in front of a counting fake upstream. */
function appOf(gc: Awaited<ReturnType<typeof createGatecache>>): {
  app: express.Express;
  calls: () => number;
} {
  let calls = 0;
  const app = express();
  app.use(gc.routers);
  app.use('/v1', gc.responseCache, (_req, res) => {
    calls++;
    res.json({
      id: 'x',
      object: 'chat.completion',
      choices: [{ message: { role: 'assistant', content: 'hi' } }],
    });
  });
  return { app, calls: () => calls };
}

const chat = {
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test' },
  body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] }),
};

describe('createGatecache', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gatecache-gc-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('builds the in-memory stack from examples/gateway/config.yaml and serves a repeat from cache', async () => {
    const env = {
      GATECACHE_DISK_PATH: join(dir, 'disk'),
      GATECACHE_PROFILE: 'staging',
      GATECACHE_ADMIN_TOKEN: 'admin-token-1',
    };
    const config = await loadConfig(join(EXAMPLES, 'config.yaml'), { env });
    const gc = await createGatecache(config, { env });
    try {
      expect(gc.cache.tiers.map((t) => t.name)).toEqual(['memory', 'disk']);
      expect(gc.cache.namespace('response').ttl).toBe(1800);
      expect(gc.cache.namespace('models').ttl).toBe(300);
      const { app, calls } = appOf(gc);
      expect((await answer(app, '/v1/chat/completions', chat)).headers.get('x-cache')).toBe('MISS');
      const hit = await answer(app, '/v1/chat/completions', chat);
      expect(hit.headers.get('x-cache')).toBe('HIT');
      expect(calls()).toBe(1);
      const stats = (await (
        await answer(app, '/api/cache/stats', { headers: { authorization: 'Bearer admin-token-1' } })
      ).json()) as { cache_hits: number };
      expect(stats.cache_hits).toBeGreaterThanOrEqual(1);
      const admin = await answer(app, '/api/config/cache', {
        headers: { authorization: 'Bearer admin-token-1' },
      });
      expect(admin.status).toBe(200);
      expect(await gc.cache.has(config.source.key)).toBe(true);
    } finally {
      await gc.close();
    }
  });

  it('refuses to start the production profile without an admin token', async () => {
    const config = parseConfig('profile: production\n', { env: {} });
    await expect(createGatecache(config, { env: {} })).rejects.toThrow(ConfigError);
    await expect(createGatecache(config, { env: {} })).rejects.toThrow(/security\.require_admin_token/);
  });

  it('passes requests through untouched when caching is off', async () => {
    const config = parseConfig('caching:\n  enabled: false\ndisk:\n  enabled: false\n', { env: {} });
    const gc = await createGatecache(config, { env: {} });
    try {
      const { app, calls } = appOf(gc);
      await answer(app, '/v1/chat/completions', chat);
      const second = await answer(app, '/v1/chat/completions', chat);
      expect(second.headers.get('x-cache')).toBeNull();
      expect(calls()).toBe(2);
    } finally {
      await gc.close();
    }
  });

  it('wires the OpenTelemetry SDK and reports lookups to its readers', async () => {
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
    const config = parseConfig('disk:\n  enabled: false\n', { env: {} });
    const gc = await createGatecache(config, { env: {}, telemetry: { metricReaders: [reader] } });
    try {
      const { app } = appOf(gc);
      await answer(app, '/v1/chat/completions', chat);
      await answer(app, '/v1/chat/completions', chat);
      await gc.telemetry.flush();
      const names = exporter
        .getMetrics()
        .flatMap((m) => m.scopeMetrics.flatMap((s) => s.metrics.map((x) => x.descriptor.name)));
      expect(names).toEqual(expect.arrayContaining(['gatecache.hits', 'gatecache.misses']));
    } finally {
      await gc.close();
    }
  });
});

describeRedis('createGatecache with Redis', () => {
  let redis: RedisProcess;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });

  it('builds memory + Redis from examples/gateway/config.redis.yaml, shared by two instances', async () => {
    const env = { REDIS_URL: redis.url, GATECACHE_ADMIN_TOKEN: 'admin-token-2' };
    const config = await loadConfig(join(EXAMPLES, 'config.redis.yaml'), { env });
    expect(config.profile).toBe('production');
    const a = await createGatecache(config, { env });
    const b = await createGatecache(config, { env });
    const raw = new Redis(redis.port, '127.0.0.1');
    try {
      expect(a.cache.tiers.map((t) => t.name)).toEqual(['memory', 'redis']);
      const one = appOf(a);
      const two = appOf(b);
      expect((await answer(one.app, '/v1/chat/completions', chat)).headers.get('x-cache')).toBe('MISS');
      // The second instance finds the answer in Redis: no upstream call of its own.
      expect((await answer(two.app, '/v1/chat/completions', chat)).headers.get('x-cache')).toBe('HIT');
      expect(one.calls() + two.calls()).toBe(1);
      expect((await raw.keys('gatecache:response:*')).length).toBe(1);
      // A purge on one instance reaches the other's memory tier through the bus.
      await a.cache.deleteMatching('response:*');
      await new Promise((r) => setTimeout(r, 200));
      expect(await b.cache.tiers[0]!.has((await raw.keys('gatecache:config:*'))[0]!.slice(10))).toBe(true);
      expect((await answer(two.app, '/v1/chat/completions', chat)).headers.get('x-cache')).toBe('MISS');
    } finally {
      raw.disconnect();
      await a.close();
      await b.close();
    }
  });
});
