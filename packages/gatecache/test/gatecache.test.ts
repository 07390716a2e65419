import { mkdtempSync, rmSync } from 'node:fs';
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
import { answer, appOf, chat, recordingLogger } from './helpers';
import { describeRedis, startRedis } from '../../store-redis/test/helpers/redis-server';
import type { RedisProcess } from '../../store-redis/test/helpers/redis-server';

const EXAMPLES = join(__dirname, '../../../examples/gateway');

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

  it('passes an answer over caching.response_cache.max_entry_kb through without storing it', async () => {
    const config = parseConfig(
      'caching:\n  response_cache:\n    max_entry_kb: 1\ndisk:\n  enabled: false\n',
      {
        env: {},
      },
    );
    expect(config.caching.response_cache.max_entry_kb).toBe(1);
    const gc = await createGatecache(config, { env: {} });
    try {
      let calls = 0;
      const big = {
        id: 'x',
        object: 'chat.completion',
        choices: [{ message: { content: 'y'.repeat(2048) } }],
      };
      const app = express();
      app.use('/v1', gc.responseCache, (_req, res) => {
        calls++;
        res.json(big);
      });
      const first = await answer(app, '/v1/chat/completions', chat);
      expect(first.headers.get('cache-status')).toBe('gatecache; fwd=miss; detail=too-large');
      expect(await first.json()).toEqual(big);
      const second = await answer(app, '/v1/chat/completions', chat);
      expect(second.headers.get('x-cache')).toBe('MISS');
      expect(calls).toBe(2);
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

  it('applies monitoring.label_limits to the response cache buckets and refuses a bad one', async () => {
    const text = 'disk:\n  enabled: false\nmonitoring:\n  label_limits:\n    tenants: 1\n';
    const gc = await createGatecache(parseConfig(text, { env: {} }), { env: {} });
    try {
      const { app } = appOf(gc);
      for (const key of ['sk-one', 'sk-two', 'sk-three']) {
        const req = { ...chat, headers: { ...chat.headers, authorization: `Bearer ${key}` } };
        await answer(app, '/v1/chat/completions', req);
        await answer(app, '/v1/chat/completions', req);
      }
      const stats = gc.responseCacheMiddleware?.stats();
      expect(Object.keys(stats?.byTenant ?? {})).toHaveLength(2);
      expect(stats?.folded).toEqual({ tenants: 2, models: 0 });
    } finally {
      await gc.close();
    }
    expect(() => parseConfig('monitoring:\n  label_limits:\n    models: -1\n', { env: {} })).toThrow(
      /monitoring\.label_limits\.models/,
    );
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

describe('createGatecache invalidation switches', () => {
  const body = { body: 'x'.repeat(2000), kind: 'json' as const };
  const auth = (init: RequestInit = {}): RequestInit => ({
    ...init,
    headers: { authorization: 'Bearer admin-token-3' },
  });
  const env = { GATECACHE_ADMIN_TOKEN: 'admin-token-3' };

  it('keeps expired entries in the tiers with ttl_enabled: false, and says so with max_ttl', async () => {
    let now = 1_000_000;
    const clock = { now: () => now };
    const { logger, warnings } = recordingLogger();
    const config = parseConfig('disk:\n  enabled: false\ninvalidation:\n  ttl_enabled: false\n', { env: {} });
    const gc = await createGatecache(config, { env: {}, clock, logger });
    try {
      await gc.cache.set('models:a', body);
      now += 301_000; // past the models namespace's 300 s
      expect(await gc.cache.get('models:a')).toBeUndefined();
      expect(await gc.cache.tiers[0]!.has('models:a')).toBe(true);
      expect(warnings.some((w) => w.includes('invalidation.max_ttl'))).toBe(true);
    } finally {
      await gc.close();
    }
  });

  it('drops the byte caps and namespace partitions with size_based: false, and warns when nothing bounds a tier', async () => {
    const { logger, warnings } = recordingLogger();
    const config = parseConfig(
      'disk:\n  enabled: false\ncaching:\n  max_memory_mb: 100\ninvalidation:\n  size_based: false\n  ttl_enabled: false\n',
      { env: {} },
    );
    const gc = await createGatecache(config, { env: {}, logger });
    try {
      const memory = gc.cache.tiers[0]!.stats() as { maxBytes: number };
      expect(memory.maxBytes).toBeGreaterThan(1024 ** 4);
      expect(gc.cache.namespace('response').maxSizeMb).toBeUndefined();
      expect(warnings.some((w) => w.includes('the memory tier is unbounded'))).toBe(true);
    } finally {
      await gc.close();
    }
    const sized = await createGatecache(parseConfig('disk:\n  enabled: false\n', { env: {} }), { env: {} });
    try {
      expect((sized.cache.tiers[0]!.stats() as { maxBytes: number }).maxBytes).toBeLessThan(1024 ** 3);
      expect(sized.cache.namespace('response').maxSizeMb).toBe(100);
    } finally {
      await sized.close();
    }
  });

  it('starts with lru_enabled: false and warns that byte-bounded tiers keep LRU eviction', async () => {
    const { logger, warnings } = recordingLogger();
    const config = parseConfig('disk:\n  enabled: false\ninvalidation:\n  lru_enabled: false\n', { env: {} });
    const gc = await createGatecache(config, { env: {}, logger });
    await gc.close();
    expect(warnings.filter((w) => w.startsWith('invalidation'))).toEqual([
      expect.stringContaining('lru_enabled: false cannot be honoured'),
    ]);
  });

  it("caps an entry's whole life (fresh + stale window) at max_ttl", async () => {
    const now = 5_000_000;
    const config = parseConfig(
      'disk:\n  enabled: false\ninvalidation:\n  max_ttl: 200\ncaching:\n  model_cache:\n    ttl: 100\n    stale_while_revalidate: 1000\n',
      { env: {} },
    );
    const gc = await createGatecache(config, { env: {}, clock: { now: () => now } });
    try {
      await gc.cache.set('models:b', body);
      const entry = await gc.cache.tiers[0]!.get('models:b');
      expect(entry!.meta.expiresAt - now).toBe(100_000);
      expect(entry!.meta.staleUntil - now).toBe(200_000);
    } finally {
      await gc.close();
    }
  });

  it('refuses purges with manual_enabled: false and pattern purges with pattern_based: false', async () => {
    const off = await createGatecache(
      parseConfig('disk:\n  enabled: false\ninvalidation:\n  manual_enabled: false\n', { env }),
      { env },
    );
    const noPattern = await createGatecache(
      parseConfig('disk:\n  enabled: false\ninvalidation:\n  pattern_based: false\n', { env }),
      { env },
    );
    try {
      expect((await answer(appOf(off).app, '/api/cache', auth({ method: 'DELETE' }))).status).toBe(403);
      const app = appOf(noPattern).app;
      expect((await answer(app, '/api/cache?pattern=models:*', auth({ method: 'DELETE' }))).status).toBe(403);
      await noPattern.cache.set('models:c', body);
      expect((await answer(app, '/api/cache?key=models:c', auth({ method: 'DELETE' }))).status).toBe(200);
      expect(await noPattern.cache.has('models:c')).toBe(false);
    } finally {
      await off.close();
      await noPattern.close();
    }
  });

  it('runs periodic validation every validation_interval when enable_validation is on', async () => {
    const config = parseConfig(
      'disk:\n  enabled: false\ncaching:\n  enable_validation: true\n  validation_interval: 1\n',
      { env },
    );
    const gc = await createGatecache(config, { env });
    try {
      await gc.cache.set('models:d', body);
      await new Promise((r) => setTimeout(r, 1300));
      const logs = (await (await answer(appOf(gc).app, '/logs/cache', auth())).json()) as {
        entries: Array<{ type: string; who: string; checked?: number }>;
      };
      const runs = logs.entries.filter((e) => e.type === 'validation' && e.who === 'scheduler');
      expect(runs.length).toBeGreaterThanOrEqual(1);
      expect(runs[0]!.checked).toBeGreaterThanOrEqual(1);
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

  it('publishes an admin purge on the bus once (through the cache delete events), not twice', async () => {
    const env = { REDIS_URL: redis.url, GATECACHE_ADMIN_TOKEN: 'admin-token-4' };
    const config = await loadConfig(join(EXAMPLES, 'config.redis.yaml'), { env });
    const gc = await createGatecache(config, { env });
    const sub = new Redis(redis.port, '127.0.0.1');
    const messages: string[] = [];
    try {
      await sub.subscribe('gatecache:invalidate');
      sub.on('message', (_channel: string, m: string) => messages.push(m));
      await gc.cache.set('models:e', { body: '{}', kind: 'json' });
      await gc.cache.set('models:f', { body: '{}', kind: 'json', tags: ['t1'] });
      const auth = { method: 'DELETE', headers: { authorization: 'Bearer admin-token-4' } };
      const app = appOf(gc).app;
      expect((await answer(app, '/api/cache?key=models:e', auth)).status).toBe(200);
      // A tag filter is not an exact glob: the purge goes key by key through deleteMany.
      expect((await answer(app, '/api/cache?tag=t1', auth)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 200));
      const values = messages.map((m) => (JSON.parse(m) as { value?: string }).value);
      expect(values.filter((v) => v === 'models:e')).toHaveLength(1);
      expect(values.filter((v) => v === 'models:f')).toHaveLength(1);
      expect(await gc.cache.has('models:f')).toBe(false);
    } finally {
      sub.disconnect();
      await gc.close();
    }
  });
});

describe('createGatecache route tokens', () => {
  const get = (token?: string): RequestInit =>
    token ? { headers: { authorization: `Bearer ${token}` } } : {};
  const yaml = (security: string): string => `disk:\n  enabled: false\nsecurity:\n${security}`;

  it('asks every router for the tokens named in security, the scrape token opening Prometheus only', async () => {
    const env = { ADM: 'admin-token-5', RD: 'read-token-5', SCR: 'scrape-token-5' };
    const config = parseConfig(
      yaml('  admin_token_env: ADM\n  read_token_env: RD\n  scrape_token_env: SCR\n'),
      { env: {} },
    );
    const gc = await createGatecache(config, { env });
    try {
      const { app } = appOf(gc);
      for (const path of ['/metrics', '/api/cache/stats', '/api/cache/keys']) {
        expect([path, (await answer(app, path)).status]).toEqual([path, 401]);
        expect([path, (await answer(app, path, get('read-token-5'))).status]).toEqual([path, 200]);
        expect([path, (await answer(app, path, get('scrape-token-5'))).status]).toEqual([path, 403]);
      }
      expect((await answer(app, '/metrics/prometheus')).status).toBe(401);
      expect((await answer(app, '/metrics/prometheus', get('scrape-token-5'))).status).toBe(200);
      expect((await answer(app, '/METRICS/Prometheus/', get('admin-token-5'))).status).toBe(200);
      // The monitoring guide probes it with no credential: tier states only.
      const probe = await answer(app, '/health/cache');
      expect(probe.status).toBe(200);
      expect(JSON.stringify(await probe.json())).not.toMatch(/message|latency/);
    } finally {
      await gc.close();
    }
  });

  it('refuses metrics and stats with 503 like the admin routes when no token is set, and opens all with admin_auth: false', async () => {
    const closed = await createGatecache(parseConfig(yaml('  admin_auth: true\n'), { env: {} }), { env: {} });
    try {
      const { app } = appOf(closed);
      for (const path of ['/metrics', '/metrics/prometheus', '/api/cache/stats', '/api/cache/keys']) {
        const res = await answer(app, path);
        const body = (await res.json()) as { error: { type: string } };
        expect([path, res.status, body.error.type]).toEqual([path, 503, 'auth_not_configured']);
      }
      expect((await answer(app, '/health')).status).toBe(200);
    } finally {
      await closed.close();
    }
    const open = await createGatecache(parseConfig(yaml('  admin_auth: false\n'), { env: {} }), { env: {} });
    try {
      const { app } = appOf(open);
      for (const path of ['/metrics', '/metrics/prometheus', '/api/cache/stats', '/api/cache/keys']) {
        expect([path, (await answer(app, path)).status]).toEqual([path, 200]);
      }
    } finally {
      await open.close();
    }
  });
});
