import request from 'supertest';
import { READER, ADMIN, SEED, bearer, keysOfTier, makeStack } from './helpers';
import type { Stack } from './helpers';

let stack: Stack;
afterEach(async () => {
  await stack?.close();
});

async function corruptInL2(key: string): Promise<void> {
  const l2 = stack.cache.tiers[1];
  const record = await l2?.get(key);
  if (!l2 || !record) throw new Error('fixture entry missing');
  await l2.set({ meta: record.meta, data: Buffer.from('tampered bytes') });
}

describe('GET /debug/cache/validate', () => {
  it('removes a corrupt entry and counts it, leaving good ones', async () => {
    stack = await makeStack();
    await corruptInL2('config:ch1');
    const res = await request(stack.app)
      .get('/debug/cache/validate')
      .set(...bearer(ADMIN));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      checked: SEED.length * 2,
      corrupt: 1,
      removed: 1,
      good: SEED.length * 2 - 1,
    });
    expect(await keysOfTier(stack.cache, 1)).not.toContain('config:ch1');
    expect(await keysOfTier(stack.cache, 0)).toContain('config:ch1');
    expect(stack.router.eventLog.list({ type: 'validation' })[0]).toMatchObject({ corrupt: 1 });
  });

  it('needs the admin token because it removes entries', async () => {
    stack = await makeStack();
    const res = await request(stack.app)
      .get('/debug/cache/integrity')
      .set(...bearer(READER));
    expect(res.status).toBe(403);
  });

  it('bounds the work per tier with limit', async () => {
    stack = await makeStack();
    const res = await request(stack.app)
      .get('/debug/cache/integrity?limit=3')
      .set(...bearer(ADMIN));
    expect(res.body.checked).toBe(6);
    expect(res.body.tiers.every((t: { partial: boolean }) => t.partial)).toBe(true);
  });
});

describe('debug routes', () => {
  it('reports heap, RSS and GC counts', async () => {
    stack = await makeStack();
    const res = await request(stack.app)
      .get('/debug/memory/gc_stats')
      .set(...bearer(READER));
    expect(res.body.heap_used_mb).toBeGreaterThan(0);
    expect(res.body.rss_mb).toBeGreaterThan(0);
    expect(typeof res.body.gc).toBe('object');
  });

  it('reports access patterns from hits and misses', async () => {
    stack = await makeStack();
    const key = SEED[0]?.key as string;
    await stack.cache.get(key);
    await stack.cache.get(key);
    await stack.cache.get('response:openai:chat:gpt-4o:t:missing');
    const res = await request(stack.app)
      .get('/debug/cache/patterns')
      .set(...bearer(READER));
    expect(res.body.top_keys[0]).toEqual({ key, hits: 2, misses: 0 });
    expect(res.body.by_provider.openai).toEqual({ hits: 2, misses: 1 });
    expect(res.body.by_model['gpt-4o']).toEqual({ hits: 2, misses: 1 });
    const entry = await request(stack.app)
      .get(`/api/cache/entry?key=${encodeURIComponent(key)}`)
      .set(...bearer(READER));
    expect(entry.body.hits).toBe(2);
  });

  it('logs corrupt entries that the cache meets', async () => {
    stack = await makeStack();
    await stack.cache.tiers[0]?.delete('config:ch1');
    await corruptInL2('config:ch1');
    expect(await stack.cache.get('config:ch1')).toBeUndefined();
    const res = await request(stack.app)
      .get('/logs/cache?level=warn')
      .set(...bearer(READER));
    expect(res.body.entries[0]).toMatchObject({ type: 'corrupt', tier: 'l2', key: 'config:ch1' });
  });
});
