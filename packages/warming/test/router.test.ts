import express from 'express';
import request from 'supertest';
import { createCache } from '@gatecache/core';
import { accessTracker, cacheWarmer, tuningAdvisor, warmingOffRoutes, warmingRoutes } from '../src';
import type { CacheWarmer } from '../src';

const TOKEN = 'admin-token-123';
const READ_TOKEN = 'read-token-456';

function setup(): {
  app: express.Express;
  warmer: CacheWarmer;
  cache: ReturnType<typeof createCache>;
  close: () => void;
} {
  const cache = createCache();
  const tracker = accessTracker({ cache });
  const advisor = tuningAdvisor({ cache });
  let release!: () => void;
  const hold = new Promise<void>((r) => (release = r));
  const warmer = cacheWarmer({
    cache,
    tracker,
    enabled: false,
    namespaces: ['config'],
    replay: async () => {
      await hold;
      return { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from('{}') };
    },
  });
  const app = express();
  app.use(warmingRoutes({ warmer, tracker, advisor, token: TOKEN, readToken: READ_TOKEN }));
  return {
    app,
    warmer,
    cache,
    close: () => {
      release();
      warmer.close();
      tracker.close();
      advisor.close();
    },
  };
}

describe('warmingRoutes', () => {
  it('needs the bearer token, and refuses clearly without a configured one', async () => {
    const s = setup();
    await request(s.app).get('/api/cache/warming/status').expect(401);
    await request(s.app)
      .get('/api/cache/warming/status')
      .set('authorization', 'Bearer wrong-token')
      .expect(401);
    const open = express().use(warmingRoutes({ warmer: s.warmer, env: {} }));
    const res = await request(open).get('/api/cache/warming/status').expect(503);
    expect((res.body as { error: { type: string } }).error.type).toBe('auth_not_configured');
    s.close();
  });

  it('starts a job, answers its id, and shows it in the status', async () => {
    const s = setup();
    const auth = { authorization: `Bearer ${TOKEN}` };
    const res = await request(s.app)
      .post('/api/cache/warm')
      .set(auth)
      .send({ patterns: ['config:*'] })
      .expect(202);
    expect((res.body as { job_id: string }).job_id).toMatch(/^warm-\d+$/);
    const status = await request(s.app).get('/api/cache/warming/status').set(auth).expect(200);
    expect(status.body).toMatchObject({ enabled: false, budget: { hour: { warms: 1000 } } });
    await request(s.app).post('/api/cache/warm').set(auth).send({ keys: 'x' }).expect(400);
    await request(s.app).post('/api/cache/warm').set(auth).send({ other: 1 }).expect(400);
    const patterns = await request(s.app).get('/api/cache/warming/patterns').set(auth).expect(200);
    expect(patterns.body).toMatchObject({ popular: [], stats: { lookups: 0 } });
    s.close();
  });

  it('refuses a body it cannot read in the JSON error shape, not an HTML page', async () => {
    const s = setup();
    const auth = { authorization: `Bearer ${TOKEN}` };
    const cases: [string, string, number][] = [
      ['application/json', '{', 400],
      ['application/json; charset=no-such-charset', '{}', 415],
      ['application/json', JSON.stringify({ keys: ['k'.repeat(70_000)] }), 413],
    ];
    for (const [type, body, status] of cases) {
      const res = await request(s.app).post('/api/cache/warm').set(auth).set('content-type', type).send(body);
      expect(res.status).toBe(status);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body).toMatchObject({
        error: { type: 'invalid_request_error', message: expect.any(String) },
      });
    }
    s.close();
  });

  it('refuses a limit given twice or as an object, with the extended query parser too', async () => {
    const s = setup();
    const auth = { authorization: `Bearer ${TOKEN}` };
    s.app.set('query parser', 'extended');
    for (const query of ['limit[toString]=1', 'limit[valueOf]=1', 'limit=1&limit=2', 'limit[]=1']) {
      const res = await request(s.app).get(`/api/cache/warming/patterns?${query}`).set(auth);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        error: { type: 'invalid_request_error', message: expect.any(String) },
      });
    }
    await request(s.app).get('/api/cache/warming/patterns?limit=5').set(auth).expect(200);
    s.close();
  });

  it('answers 400 saying why for patterns over the caps, and starts no job', async () => {
    const s = setup();
    const auth = { authorization: `Bearer ${TOKEN}` };
    const cases: [unknown, RegExp][] = [
      [[`${'*?'.repeat(20)}Z`], /patterns: pattern has 40 wildcards; at most 32/],
      [['a'.repeat(513)], /patterns: pattern is 513 characters long; at most 512/],
      [Array.from({ length: 17 }, (_, i) => `config:${i}*`), /patterns: 17 given; at most 16/],
    ];
    for (const [patterns, why] of cases) {
      const res = await request(s.app).post('/api/cache/warm').set(auth).send({ patterns }).expect(400);
      expect((res.body as { error: { type: string; message: string } }).error.message).toMatch(why);
    }
    expect(s.warmer.status().currentJob).toBeNull();
    expect(s.warmer.status().lastCycle).toBeNull();
    s.close();
  });

  it('answers 409 with the running job while one runs', async () => {
    const s = setup();
    const auth = { authorization: `Bearer ${TOKEN}` };
    // A manual key with a recipe keeps the job in flight on the held replay.
    await s.cache.set('config:a', {
      body: '{}',
      extra: { recipe: { v: 1, method: 'GET', path: '/c', headers: {} } },
    });
    const { jobId } = s.warmer.warmNow({ keys: ['config:a'] });
    const res = await request(s.app).post('/api/cache/warm').set(auth).send({}).expect(409);
    expect((res.body as { job_id: string }).job_id).toBe(jobId);
    s.close();
  });

  it('answers the tuning advice to the read token, and keeps warming for the admin token', async () => {
    const s = setup();
    for (let i = 0; i < 3; i++) await s.cache.get('config:a');
    const read = { authorization: `Bearer ${READ_TOKEN}` };
    const res = await request(s.app).get('/api/cache/advice').set(read).expect(200);
    expect(res.body).toMatchObject({
      enabled: true,
      namespaces: { config: { references: 3, distinctKeys: 1, current: { ttl: 600 } } },
    });
    await request(s.app).get('/api/cache/advice').expect(401);
    await request(s.app).post('/api/cache/warm').set(read).send({}).expect(403);
    const bare = express().use(warmingRoutes({ warmer: s.warmer, token: TOKEN }));
    await request(bare).get('/api/cache/advice').set('authorization', `Bearer ${TOKEN}`).expect(404);
    s.close();
  });

  it('answers bad JSON and an oversized body with the JSON error body, after the token check', async () => {
    const s = setup();
    const auth = { authorization: `Bearer ${TOKEN}` };
    await request(s.app)
      .post('/api/cache/warm')
      .set('content-type', 'application/json')
      .send('{bad')
      .expect(401);
    const bad = await request(s.app)
      .post('/api/cache/warm')
      .set(auth)
      .set('content-type', 'application/json')
      .send('{bad')
      .expect(400);
    expect((bad.body as { error: { type: string } }).error.type).toBe('invalid_request_error');
    const big = await request(s.app)
      .post('/api/cache/warm')
      .set(auth)
      .send({ keys: ['x'.repeat(70_000)] })
      .expect(413);
    expect((big.body as { error: { type: string } }).error.type).toBe('invalid_request_error');
    s.close();
  });
});

describe('warmingOffRoutes', () => {
  const app = express();
  app.use(warmingOffRoutes({ reason: 'set warming.enabled: true', token: TOKEN, readToken: READ_TOKEN }));

  it('answers status as off and every other route as a JSON 409 with the reason', async () => {
    const status = await request(app).get('/api/cache/warming/status').auth(READ_TOKEN, { type: 'bearer' });
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ enabled: false, state: 'off', reason: 'set warming.enabled: true' });
    const warm = await request(app).post('/api/cache/warm').auth(TOKEN, { type: 'bearer' }).send({});
    expect(warm.status).toBe(409);
    expect(warm.body).toEqual({
      error: { type: 'warming_disabled', message: 'warming is off: set warming.enabled: true' },
    });
  });

  it('keeps the token checks of the live routes', async () => {
    expect((await request(app).post('/api/cache/warm').send({})).status).toBe(401);
    const readOnly = await request(app).post('/api/cache/warm').auth(READ_TOKEN, { type: 'bearer' });
    expect(readOnly.status).toBe(403);
    expect(readOnly.body.error.type).toBe('forbidden');
  });

  it('throws a TypeError naming a missing reason', () => {
    expect(() => warmingOffRoutes({ reason: '' })).toThrow(TypeError);
    expect(() => warmingOffRoutes({ reason: '' })).toThrow(/reason/);
  });
});
