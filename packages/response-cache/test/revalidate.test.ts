import request from 'supertest';
import type { Cache } from '@gatecache/core';
import { clockedCache } from './helpers/clock';
import type { ManualClock } from './helpers/clock';
import { startGateway, until } from './helpers/gateway';
import type { Gateway } from './helpers/gateway';
import { fixtureJson, sendJson, startUpstream } from './helpers/upstream';
import type { Upstream } from './helpers/upstream';

const chatRequest = fixtureJson('openai/chat-completion.request.json');
const chatAnswer = fixtureJson('openai/chat-completion.response.json');
const AUTH = { authorization: 'Bearer sk-test-1' };

let upstream: Upstream;
let gw: Gateway;
let clock: ManualClock;
let cache: Cache;

beforeEach(async () => {
  upstream = await startUpstream();
  ({ cache, clock } = clockedCache({ response: { ttl: 10, staleWhileRevalidate: 60 } }));
  gw = await startGateway({ upstream: upstream.url, cache });
});
afterEach(async () => {
  await gw.close();
  await upstream.close();
});

async function storeThenExpire(): Promise<void> {
  await request(gw.url)
    .post('/v1/chat/completions')
    .set(AUTH)
    .set('x-gatecache-tags', 'team-a')
    .send(chatRequest);
  await until(() => gw.mw.stats().stored === 1);
  clock.advance(20_000);
}

describe('stale-while-revalidate', () => {
  it('serves the stale entry and refreshes it once in the background through the same chain', async () => {
    await storeThenExpire();
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    upstream.override = async (_req, res) => {
      await held;
      sendJson(res, 200, { ...chatAnswer, id: 'refreshed' });
    };
    const done = new Promise<{ status: number }>((resolve) => gw.mw.events.once('revalidated', resolve));
    for (let i = 0; i < 3; i++) {
      const stale = await request(gw.url)
        .post('/v1/chat/completions')
        .set(AUTH)
        .set('x-gatecache-tags', 'team-a')
        .send(chatRequest);
      expect(stale.status).toBe(200);
      expect(stale.headers['x-cache']).toBe('STALE');
      expect(stale.headers['cache-status']).toBe(
        'gatecache; hit; fwd=stale; ttl=-10; detail=stale-while-revalidate',
      );
      expect(stale.body).toEqual(chatAnswer);
    }
    release();
    expect((await done).status).toBe(200);
    expect(upstream.calls).toBe(2);
    const refresh = upstream.requests[1]!;
    expect(Object.keys(refresh.headers).filter((h) => h.startsWith('x-gatecache'))).toEqual([]);
    expect(JSON.parse(refresh.body)).toEqual(chatRequest);
    expect(gw.mw.stats()).toMatchObject({ revalidations: 1, stale: 3 });

    const fresh = await request(gw.url).post('/v1/chat/completions').set(AUTH).send(chatRequest);
    expect(fresh.headers['x-cache']).toBe('HIT');
    expect(fresh.body.id).toBe('refreshed');
    const entry = await cache.get(fresh.headers['x-gatecache-key'] as string);
    expect(entry?.tags).toEqual(['team-a']);
    expect(upstream.calls).toBe(2);
  });

  it('keeps serving the stale entry when the refresh fails', async () => {
    await storeThenExpire();
    upstream.override = (_req, res) => sendJson(res, 500, { error: { message: 'down' } });
    const done = new Promise<{ status: number }>((resolve) => gw.mw.events.once('revalidated', resolve));
    const stale = await request(gw.url).post('/v1/chat/completions').set(AUTH).send(chatRequest);
    expect(stale.headers['x-cache']).toBe('STALE');
    expect((await done).status).toBe(500);
    const again = await request(gw.url).post('/v1/chat/completions').set(AUTH).send(chatRequest);
    expect(again.headers['x-cache']).toBe('STALE');
    expect(again.body).toEqual(chatAnswer);
  });

  it('does not honour a revalidation header that lacks the process token', async () => {
    await storeThenExpire();
    const res = await request(gw.url)
      .post('/v1/chat/completions')
      .set(AUTH)
      .set('x-gatecache-revalidate', 'guess')
      .send(chatRequest);
    expect(res.headers['x-cache']).toBe('STALE');
    await new Promise((r) => gw.mw.events.once('revalidated', r));
    expect(upstream.requests.every((r) => r.headers['x-gatecache-revalidate'] === undefined)).toBe(true);
  });
});
