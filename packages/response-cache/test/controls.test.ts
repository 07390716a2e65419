import request from 'supertest';
import { clockedCache, manualClock } from './helpers/clock';
import type { ManualClock } from './helpers/clock';
import { ControlError, parseControls, stripControlHeaders } from '../src/controls';
import { startGateway, until } from './helpers/gateway';
import type { Gateway } from './helpers/gateway';
import { fixtureJson, startUpstream } from './helpers/upstream';
import type { Upstream } from './helpers/upstream';

const chatRequest = fixtureJson('openai/chat-completion.request.json');
const AUTH = { authorization: 'Bearer sk-test-1' };

describe('parseControls', () => {
  it('reads the request Cache-Control directives', () => {
    expect(
      parseControls({ 'cache-control': 'no-cache, max-age=30, max-stale=5, only-if-cached' }),
    ).toMatchObject({
      noCache: true,
      noStore: false,
      maxAge: 30,
      maxStale: 5,
      onlyIfCached: true,
    });
    expect(parseControls({ 'cache-control': 'No-Store, max-stale' })).toMatchObject({
      noStore: true,
      maxStale: Infinity,
    });
    expect(parseControls({ pragma: 'no-cache' }).noCache).toBe(true);
  });

  it('ignores malformed standard directives with a warning, as RFC 9111 says', () => {
    const c = parseControls({ 'cache-control': 'max-age=soon, max-stale=-1' });
    expect(c.maxAge).toBeUndefined();
    expect(c.maxStale).toBeUndefined();
    expect(c.warnings).toHaveLength(2);
  });

  it('reads the x-gatecache controls', () => {
    expect(
      parseControls({
        'x-gatecache-ttl': '60',
        'x-gatecache-namespace': 'experiments',
        'x-gatecache-tags': 'team-a, feature:x ,team-a',
        'x-gatecache-bypass': 'true',
      }),
    ).toMatchObject({ ttl: 60, namespace: 'experiments', tags: ['team-a', 'feature:x'], bypass: true });
  });

  it.each([
    ['x-gatecache-ttl', '1.5'],
    ['x-gatecache-ttl', '-1'],
    ['x-gatecache-namespace', 'a:b'],
    ['x-gatecache-tags', 'ok,not ok'],
    ['x-gatecache-bypass', 'maybe'],
  ])('refuses a malformed %s (%s)', (name, value) => {
    expect(() => parseControls({ [name]: value })).toThrow(ControlError);
  });

  it('strips every x-gatecache header and returns them', () => {
    const headers = { 'x-gatecache-ttl': '5', 'x-gatecache-other': 'x', authorization: 'a' };
    expect(stripControlHeaders(headers)).toEqual({ 'x-gatecache-ttl': '5', 'x-gatecache-other': 'x' });
    expect(headers).toEqual({ authorization: 'a' });
  });
});

async function collect(keys: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const k of keys) out.push(k);
  return out;
}

describe('request controls through the gateway', () => {
  let upstream: Upstream;
  let gw: Gateway;
  let clock: ManualClock;

  beforeEach(async () => {
    upstream = await startUpstream();
    clock = manualClock();
    const { cache } = clockedCache({ experiments: { ttl: 5 } }, clock);
    gw = await startGateway({ upstream: upstream.url, cache });
  });
  afterEach(async () => {
    await gw.close();
    await upstream.close();
  });

  const post = (headers: Record<string, string> = {}) =>
    request(gw.url)
      .post('/v1/chat/completions')
      .set({ ...AUTH, ...headers })
      .send(chatRequest);

  it('no-store neither reads nor writes the cache', async () => {
    await post();
    const res = await post({ 'cache-control': 'no-store' });
    expect(res.headers['x-cache']).toBe('BYPASS');
    expect(res.headers['cache-status']).toBe('gatecache; fwd=bypass; detail=no-store');
    expect(upstream.calls).toBe(2);
    await gw.cache.clear();
    await post({ 'cache-control': 'no-store' });
    expect((await post()).headers['x-cache']).toBe('MISS');
  });

  it('no-cache goes upstream and stores the fresh answer', async () => {
    await post();
    const res = await post({ 'cache-control': 'no-cache' });
    expect(res.headers['x-cache']).toBe('MISS');
    expect(res.headers['cache-status']).toBe('gatecache; fwd=request');
    expect(upstream.calls).toBe(2);
    await until(() => gw.mw.stats().stored === 2);
    expect((await post()).headers['x-cache']).toBe('HIT');
  });

  it('max-age accepts only entries young enough', async () => {
    await post();
    clock.advance(30_000);
    expect((await post({ 'cache-control': 'max-age=60' })).headers['x-cache']).toBe('HIT');
    const old = await post({ 'cache-control': 'max-age=10' });
    expect(old.headers['cache-status']).toBe('gatecache; fwd=request');
    expect(upstream.calls).toBe(2);
  });

  it('max-stale accepts an expired entry within its stale window', async () => {
    const { cache } = clockedCache({ response: { ttl: 10, staleIfError: 100 } }, clock);
    await gw.close();
    gw = await startGateway({ upstream: upstream.url, cache });
    await post();
    clock.advance(30_000);
    const res = await post({ 'cache-control': 'max-stale=60' });
    expect(res.headers['x-cache']).toBe('STALE');
    expect(res.headers['cache-status']).toBe('gatecache; hit; ttl=-20; detail=max-stale');
    expect((await post({ 'cache-control': 'max-stale=5' })).headers['x-cache']).toBe('MISS');
  });

  it('only-if-cached answers 504 with a JSON error on a miss and never goes upstream', async () => {
    const res = await post({ 'cache-control': 'only-if-cached' });
    expect(res.status).toBe(504);
    expect(res.body).toEqual({
      error: { type: 'cache_miss', message: expect.stringContaining('only-if-cached') },
    });
    expect(upstream.calls).toBe(0);
    await post();
    expect((await post({ 'cache-control': 'only-if-cached' })).headers['x-cache']).toBe('HIT');
  });

  it('x-gatecache-ttl sets the freshness of the stored answer', async () => {
    await post({ 'x-gatecache-ttl': '20' });
    clock.advance(25_000);
    expect((await post()).headers['x-cache']).toBe('MISS');
    await until(() => gw.mw.stats().stored === 2);
    const other = { ...chatRequest, max_tokens: 1 };
    const zero = await request(gw.url)
      .post('/v1/chat/completions')
      .set(AUTH)
      .set('x-gatecache-ttl', '0')
      .send(other);
    expect(zero.headers['cache-status']).toBe('gatecache; fwd=miss');
    const again = await request(gw.url).post('/v1/chat/completions').set(AUTH).send(other);
    expect(again.headers['x-cache']).toBe('MISS');
    expect(gw.mw.stats().notStored).toBe(1);
  });

  it('x-gatecache-namespace refuses namespaces not listed in requestNamespaces: config, summary, models, unlisted ones', async () => {
    for (const ns of ['config', 'summary', 'models', 'experiments', 'nowhere']) {
      const bad = await post({ 'x-gatecache-namespace': ns });
      expect(bad.status).toBe(400);
      expect(bad.body.error).toEqual({
        type: 'invalid_request_error',
        message: `x-gatecache-namespace: "${ns}" cannot be chosen by a request (allowed: response)`,
      });
    }
    expect((await post({ 'x-gatecache-namespace': 'response' })).headers['x-cache']).toBe('MISS');
    expect(upstream.calls).toBe(1);
    expect([...(await collect(gw.cache.keys('*')))].every((k) => k.startsWith('response:'))).toBe(true);
  });

  it('x-gatecache-namespace stores under another namespace listed in requestNamespaces, and refuses unknown ones', async () => {
    const { cache } = clockedCache({ experiments: { ttl: 5 } }, clock);
    await gw.close();
    gw = await startGateway({
      upstream: upstream.url,
      cache,
      middleware: { requestNamespaces: ['response', 'experiments'] },
    });
    const res = await post({ 'x-gatecache-namespace': 'experiments' });
    expect(res.headers['x-gatecache-key']).toMatch(/^experiments:openai:chat\.completions:/);
    expect((await post({ 'x-gatecache-namespace': 'experiments' })).headers['x-cache']).toBe('HIT');
    expect((await post()).headers['x-cache']).toBe('MISS');
    const bad = await post({ 'x-gatecache-namespace': 'nowhere' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.type).toBe('invalid_request_error');
  });

  it('x-gatecache-tags are stored with the entry', async () => {
    const res = await post({ 'x-gatecache-tags': 'team-a,release-1' });
    await until(() => gw.mw.stats().stored === 1);
    expect((await gw.cache.get(res.headers['x-gatecache-key'] as string))?.tags).toEqual([
      'team-a',
      'release-1',
    ]);
  });

  it('x-gatecache-bypass: 1 passes through untouched', async () => {
    await post();
    const res = await post({ 'x-gatecache-bypass': '1' });
    expect(res.headers['x-cache']).toBe('BYPASS');
    expect(upstream.calls).toBe(2);
  });

  it('answers 400 for a malformed x-gatecache header, and strips the controls before upstream', async () => {
    const bad = await post({ 'x-gatecache-ttl': 'forever' });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({
      error: { type: 'invalid_request_error', message: expect.stringContaining('x-gatecache-ttl') },
    });
    await post({ 'x-gatecache-ttl': '30', 'x-gatecache-tags': 'a' });
    expect(Object.keys(upstream.requests[0]!.headers).some((h) => h.startsWith('x-gatecache'))).toBe(false);
  });
});
