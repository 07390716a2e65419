import type { Cache } from '@gatecache/core';
import request from 'supertest';
import { clockedCache } from './helpers/clock';
import type { ManualClock } from './helpers/clock';
import { rawRequest, startGateway, until } from './helpers/gateway';
import type { Gateway } from './helpers/gateway';
import { countKeys } from './helpers/harness';
import { fixture, fixtureJson, sendJson, sendSse, startUpstream } from './helpers/upstream';
import type { Upstream } from './helpers/upstream';

const chatRequest = fixtureJson('openai/chat-completion.request.json');
const chatAnswer = fixtureJson('openai/chat-completion.response.json');
const AUTH = { authorization: 'Bearer sk-test-1' };

let upstream: Upstream;
let gw: Gateway | undefined;
let clock: ManualClock;
let cache: Cache;

beforeEach(async () => {
  upstream = await startUpstream();
  ({ cache, clock } = clockedCache({ response: { ttl: 10, staleIfError: 60 } }));
});
afterEach(async () => {
  await gw?.close();
  gw = undefined;
  await upstream.close();
});

describe('an upstream that drops mid-answer', () => {
  it.each(['hpm', 'fetch'] as const)(
    'ends the client stream with an error and stores nothing (%s)',
    async (handler) => {
      gw = await startGateway({ upstream: upstream.url, handler, cache });
      upstream.override = (_req, res) =>
        sendSse(res, fixture('openai/chat-completion.stream.sse'), { abortAfter: 3 });
      const body = { ...chatRequest, stream: true };
      const cut = await rawRequest(`${gw.url}/v1/chat/completions`, { body, headers: AUTH });
      expect(cut.status).toBe(200);
      expect(cut.body).toContain('"content":"The"');
      expect(cut.body.endsWith('\n\n')).toBe(true);
      expect(cut.body).toMatch(/event: error\ndata: \{"type":"error","error":\{"type":"upstream_error"/);
      expect(cut.body).not.toContain('[DONE]');
      expect(await countKeys(cache)).toBe(0);

      upstream.override = undefined;
      const next = await rawRequest(`${gw.url}/v1/chat/completions`, { body, headers: AUTH });
      expect(next.headers['x-cache']).toBe('MISS');
      expect(next.body).toBe(fixture('openai/chat-completion.stream.sse'));
      expect(upstream.calls).toBe(2);
    },
  );

  it('destroys the client connection of a cut JSON body and stores nothing', async () => {
    gw = await startGateway({ upstream: upstream.url, cache });
    upstream.override = (_req, res) => {
      const text = fixture('openai/chat-completion.response.json');
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': text.length });
      res.write(text.slice(0, 40));
      setTimeout(() => res.socket?.destroy(), 20);
    };
    const cut = await rawRequest(`${gw.url}/v1/chat/completions`, { body: chatRequest, headers: AUTH });
    expect(cut.aborted).toBe(true);
    upstream.override = undefined;
    const next = await request(gw.url).post('/v1/chat/completions').set(AUTH).send(chatRequest);
    expect(next.headers['x-cache']).toBe('MISS');
    expect(next.body).toEqual(chatAnswer);
    expect(upstream.calls).toBe(2);
  });

  it('never stores a 200 stream that carries an error event or lacks its terminal event', async () => {
    gw = await startGateway({ upstream: upstream.url, cache });
    const streams = [
      'data: {"choices":[{"delta":{"content":"a"}}]}\n\nevent: error\ndata: {"error":{"message":"overloaded"}}\n\n',
      'data: {"choices":[{"delta":{"content":"a"}}]}\n\n',
    ];
    for (const text of streams) {
      upstream.override = (_req, res) => sendSse(res, text);
      const body = { ...chatRequest, stream: true };
      await rawRequest(`${gw.url}/v1/chat/completions`, { body, headers: AUTH });
      const again = await rawRequest(`${gw.url}/v1/chat/completions`, { body, headers: AUTH });
      expect(again.headers['x-cache']).toBe('MISS');
    }
    expect(upstream.calls).toBe(4);
    expect(gw.mw.stats().stored).toBe(0);
  });
});

describe('stale-if-error', () => {
  async function storeThenExpire(): Promise<void> {
    const first = await request(gw!.url).post('/v1/chat/completions').set(AUTH).send(chatRequest);
    expect(first.headers['cache-status']).toBe('gatecache; fwd=miss');
    await until(async () => (await cache.get(first.headers['x-gatecache-key'] as string)) !== undefined);
    clock.advance(20_000); // 10 s past expiry, inside the 60 s stale-if-error window
  }

  it.each([500, 503, 429])('serves the stale entry when the upstream answers %i', async (status) => {
    gw = await startGateway({ upstream: upstream.url, cache });
    await storeThenExpire();
    upstream.override = (_req, res) => sendJson(res, status, fixture('openai/error-500.json'));
    const res = await request(gw.url).post('/v1/chat/completions').set(AUTH).send(chatRequest);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(chatAnswer);
    expect(res.headers['x-cache']).toBe('STALE');
    expect(res.headers['cache-status']).toBe(
      `gatecache; fwd=stale; fwd-status=${status}; ttl=-10; detail=stale-if-error`,
    );
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers.age).toBe('20');
    expect(upstream.calls).toBe(2);
  });

  it('serves the stale entry when the upstream does not answer within upstreamTimeoutMs', async () => {
    gw = await startGateway({ upstream: upstream.url, cache, middleware: { timeouts: { upstreamMs: 50 } } });
    await storeThenExpire();
    upstream.override = () => undefined; // never answers
    const res = await request(gw.url).post('/v1/chat/completions').set(AUTH).send(chatRequest);
    expect(res.headers['x-cache']).toBe('STALE');
    expect(res.headers['cache-status']).toBe('gatecache; fwd=stale; ttl=-10; detail=stale-if-error-timeout');
    expect(res.body).toEqual(chatAnswer);
    expect(upstream.calls).toBe(2);
  });

  it('serves the stale entry when the upstream refuses the connection', async () => {
    gw = await startGateway({ upstream: upstream.url, cache });
    await storeThenExpire();
    await upstream.close();
    const res = await request(gw.url).post('/v1/chat/completions').set(AUTH).send(chatRequest);
    expect(res.status).toBe(200);
    expect(res.headers['x-cache']).toBe('STALE');
    expect(res.headers['cache-status']).toMatch(/fwd-status=50[24]/);
    expect(res.body).toEqual(chatAnswer);
  });

  it('lets the upstream error through once the stale-if-error window has passed', async () => {
    gw = await startGateway({ upstream: upstream.url, cache });
    await storeThenExpire();
    clock.advance(60_000);
    upstream.override = (_req, res) => sendJson(res, 500, fixture('openai/error-500.json'));
    const res = await request(gw.url).post('/v1/chat/completions').set(AUTH).send(chatRequest);
    expect(res.status).toBe(500);
    expect(res.headers['x-cache']).toBe('MISS');
  });

  it('passes a successful answer through and replaces the stale entry', async () => {
    gw = await startGateway({ upstream: upstream.url, cache });
    await storeThenExpire();
    upstream.override = (_req, res) => sendJson(res, 200, { ...chatAnswer, id: 'new' });
    const res = await request(gw.url).post('/v1/chat/completions').set(AUTH).send(chatRequest);
    expect(res.headers['x-cache']).toBe('MISS');
    expect(res.body.id).toBe('new');
  });
});
