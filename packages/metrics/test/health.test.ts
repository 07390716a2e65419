import { memoryStore } from '@gatecache/core';
import request from 'supertest';
import { probedTier, stack } from './helpers';
import type { Stack } from './helpers';

const mem = (heapMb: number, rssMb: number) => () =>
  ({
    heapUsed: heapMb * 1048576,
    heapTotal: heapMb * 2 * 1048576,
    rss: rssMb * 1048576,
  }) as NodeJS.MemoryUsage;

describe('health routes', () => {
  let s: Stack;
  afterEach(async () => s.close());

  it('answers ok with every tier healthy', async () => {
    s = stack({
      tiers: [memoryStore({ maxSizeMb: 1 }), probedTier('redis', () => ({ ok: true, latencyMs: 0.4 }))],
    });
    const res = await request(s.app).get('/health/cache').expect(200);
    expect(res.body.status).toBe('ok');
    expect(res.body.tiers.redis).toMatchObject({ status: 'ok', latency_ms: 0.4, required: false });
    expect(res.body.tiers.memory.status).toBe('ok');
  });

  it('answers degraded (200) when an optional tier fails its probe', async () => {
    s = stack({
      tiers: [
        memoryStore({ maxSizeMb: 1 }),
        probedTier('redis', () => ({ ok: false, message: 'ECONNREFUSED' })),
      ],
    });
    const res = await request(s.app).get('/health/cache').expect(200);
    expect(res.body.status).toBe('degraded');
    expect(res.body.tiers.redis).toMatchObject({ status: 'down', message: 'ECONNREFUSED' });
  });

  it('answers down (503) when a required tier fails, and counts a probe that hangs as failed', async () => {
    s = stack({
      tiers: [memoryStore({ maxSizeMb: 1 }), probedTier('redis', () => new Promise(() => undefined))],
      tiersRequired: ['redis'],
      healthTimeoutMs: 50,
    });
    const res = await request(s.app).get('/health/cache').expect(503);
    expect(res.body.status).toBe('down');
    expect(res.body.tiers.redis.message).toMatch(/timed out after 50 ms/);
  });

  it('answers down when a probe throws for a required tier', async () => {
    s = stack({
      tiers: [
        probedTier('disk', () => {
          throw new Error('EACCES: not writable');
        }),
      ],
      tiersRequired: ['disk'],
    });
    const res = await request(s.app).get('/health').expect(503);
    expect(res.body.status).toBe('down');
    expect(res.body.checks.cache.tiers.disk.message).toMatch(/not writable/);
  });

  it('reports checks.memory against its limits in /health', async () => {
    s = stack({ memoryLimits: { heapMb: 100, rssMb: 200 }, memoryUsage: mem(50, 150) });
    const ok = await request(s.app).get('/health').expect(200);
    expect(ok.body.status).toBe('ok');
    expect(ok.body.checks.memory).toEqual({
      ok: true,
      heap_used_mb: 50,
      heap_total_mb: 100,
      rss_mb: 150,
      limits: { heap_mb: 100, rss_mb: 200 },
    });
    expect(ok.body.checks.cache.status).toBe('ok');
    s.router.close();
    await s.cache.close();
    s = stack({ memoryLimits: { rssMb: 100 }, memoryUsage: mem(50, 150) });
    const over = await request(s.app).get('/health').expect(200);
    expect(over.body.status).toBe('degraded');
    expect(over.body.checks.memory.ok).toBe(false);
  });
});
