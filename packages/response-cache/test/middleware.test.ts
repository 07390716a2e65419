import { gunzipSync, gzipSync } from 'node:zlib';
import express from 'express';
import request from 'supertest';
import { createKeyer } from '@gatecache/cache-key';
import { createCache, memoryStore } from '@gatecache/core';
import type { Store } from '@gatecache/core';
import { responseCache } from '../src';
import { rawRequest, startGateway } from './helpers/gateway';
import type { Gateway } from './helpers/gateway';
import { fixture, fixtureJson, sendJson, startUpstream } from './helpers/upstream';
import type { Upstream } from './helpers/upstream';

const chatRequest = fixtureJson('openai/chat-completion.request.json');
const chatAnswer = fixtureJson('openai/chat-completion.response.json');
const chatStream = fixture('openai/chat-completion.stream.sse');
const messagesRequest = fixtureJson('anthropic/messages.request.json');
const AUTH = { authorization: 'Bearer sk-test-1' };
/** A chat completion request whose body is exactly `text` (the bytes a memo entry is kept for). */
const postText = (target: string | express.Express, text: string) =>
  request(target).post('/v1/chat/completions').set(AUTH).set('content-type', 'application/json').send(text);

let upstream: Upstream;
let gw: Gateway | undefined;

beforeEach(async () => {
  upstream = await startUpstream();
});
afterEach(async () => {
  await gw?.close();
  gw = undefined;
  await upstream.close();
});

describe.each(['hpm', 'fetch'] as const)('responseCache in front of %s', (handler) => {
  beforeEach(async () => {
    gw = await startGateway({ upstream: upstream.url, handler });
  });

  it('passes a miss through, stores it, and answers the repeat from the cache', async () => {
    const first = await request(gw!.url).post('/v1/chat/completions').set(AUTH).send(chatRequest);
    expect(first.status).toBe(200);
    expect(first.body).toEqual(chatAnswer);
    expect(first.headers['x-cache']).toBe('MISS');
    expect(first.headers['cache-status']).toBe('gatecache; fwd=miss');
    const second = await request(gw!.url).post('/v1/chat/completions').set(AUTH).send(chatRequest);
    expect(second.status).toBe(200);
    expect(second.body).toEqual(chatAnswer);
    expect(second.headers['x-cache']).toBe('HIT');
    expect(second.headers['cache-status']).toMatch(/^gatecache; hit; ttl=\d+$/);
    expect(second.headers.age).toBe('0');
    expect(second.headers['x-gatecache-key']).toMatch(/^response:openai:chat\.completions:gpt-4o-mini:/);
    expect(second.headers['x-gatecache-key']).toBe(first.headers['x-gatecache-key']);
    expect(upstream.calls).toBe(1);
  });

  it('sends the consumed request body upstream byte for byte', async () => {
    const text = JSON.stringify(chatRequest, null, 2);
    await postText(gw!.url, text);
    expect(upstream.requests[0]?.body).toBe(text);
  });

  it('sends the body upstream again when a remembered key finds its entry gone', async () => {
    const text = JSON.stringify(chatRequest, null, 2);
    const send = () => postText(gw!.url, text);
    expect((await send()).headers['x-cache']).toBe('MISS');
    expect((await send()).headers['x-cache']).toBe('HIT');
    await gw!.cache.clear();
    // The keyer still remembers these bytes, so the middleware never parsed them this time.
    const third = await send();
    expect(third.headers['x-cache']).toBe('MISS');
    expect(third.body).toEqual(chatAnswer);
    expect(upstream.calls).toBe(2);
    expect(upstream.requests[1]?.body).toBe(text);
  });

  it('replays a stored stream byte for byte with the event-stream type', async () => {
    const body = { ...chatRequest, stream: true };
    const first = await rawRequest(`${gw!.url}/v1/chat/completions`, { body, headers: AUTH });
    const second = await rawRequest(`${gw!.url}/v1/chat/completions`, { body, headers: AUTH });
    expect(first.body).toBe(chatStream);
    expect(second.body).toBe(chatStream);
    expect(second.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(second.headers['x-cache']).toBe('HIT');
    expect(upstream.calls).toBe(1);
  });
});

describe('responseCache', () => {
  it('serves a streaming request from a JSON entry and a JSON request from a stream entry', async () => {
    gw = await startGateway({ upstream: upstream.url });
    await request(gw.url).post('/v1/chat/completions').set(AUTH).send(chatRequest);
    const streamed = await rawRequest(`${gw.url}/v1/chat/completions`, {
      body: { ...chatRequest, stream: true },
      headers: AUTH,
    });
    expect(streamed.headers['x-cache']).toBe('HIT');
    expect(streamed.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(streamed.body.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(upstream.calls).toBe(1);

    const anthropicStream = { ...messagesRequest, stream: true };
    await rawRequest(`${gw.url}/anthropic/v1/messages`, {
      body: anthropicStream,
      headers: { 'x-api-key': 'k' },
    });
    const json = await request(gw.url)
      .post('/anthropic/v1/messages')
      .set('x-api-key', 'k')
      .send(messagesRequest);
    expect(json.headers['x-cache']).toBe('HIT');
    expect(json.body.content[0].text).toBe('The capital of France is Paris.');
    expect(upstream.calls).toBe(2);
  });

  it('keeps tenants apart by credential', async () => {
    gw = await startGateway({ upstream: upstream.url });
    await request(gw.url).post('/v1/chat/completions').set(AUTH).send(chatRequest);
    const other = await request(gw.url)
      .post('/v1/chat/completions')
      .set('authorization', 'Bearer sk-2')
      .send(chatRequest);
    expect(other.headers['x-cache']).toBe('MISS');
    expect(upstream.calls).toBe(2);
  });

  it('never stores error answers (429, 500, Anthropic 529)', async () => {
    gw = await startGateway({ upstream: upstream.url });
    const errors: Array<[number, string, string]> = [
      [429, 'openai/error-429.json', '/v1/chat/completions'],
      [500, 'openai/error-500.json', '/v1/chat/completions'],
      [529, 'anthropic/error-529.json', '/anthropic/v1/messages'],
    ];
    for (const [status, file, path] of errors) {
      upstream.override = (_req, res) => sendJson(res, status, fixture(file));
      const body = path.includes('messages') ? messagesRequest : chatRequest;
      const before = upstream.calls;
      for (let i = 0; i < 2; i++) {
        const res = await request(gw.url).post(path).set(AUTH).send(body);
        expect(res.status).toBe(status);
        expect(res.headers['cache-status']).toBe('gatecache; fwd=miss');
      }
      expect(upstream.calls - before).toBe(2);
    }
    expect(gw.mw.stats().stored).toBe(0);
  });

  it('does not store answers with Set-Cookie or a private Cache-Control', async () => {
    gw = await startGateway({ upstream: upstream.url });
    upstream.override = (req, res) =>
      sendJson(res, 200, fixture('openai/chat-completion.response.json'), {
        ...(req.body.includes('cookie') ? { 'set-cookie': 'a=b' } : { 'cache-control': 'private' }),
      });
    for (const tag of ['cookie', 'private']) {
      const body = { ...chatRequest, messages: [{ role: 'user', content: tag }] };
      await request(gw.url).post('/v1/chat/completions').set(AUTH).send(body);
      const again = await request(gw.url).post('/v1/chat/completions').set(AUTH).send(body);
      expect(again.headers['x-cache']).toBe('MISS');
    }
    expect(upstream.calls).toBe(4);
  });

  it('decodes a gzip upstream body before storing and serves it identity-encoded', async () => {
    gw = await startGateway({ upstream: upstream.url });
    upstream.override = (_req, res) => {
      const zipped = gzipSync(fixture('openai/chat-completion.response.json'));
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
        'content-length': zipped.length,
      });
      res.end(zipped);
    };
    const first = await rawRequest(`${gw.url}/v1/chat/completions`, {
      body: chatRequest,
      headers: { ...AUTH, 'accept-encoding': 'gzip' },
    });
    expect(first.headers['content-encoding']).toBe('gzip');
    const hit = await rawRequest(`${gw.url}/v1/chat/completions`, { body: chatRequest, headers: AUTH });
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(hit.body)).toEqual(chatAnswer);
    const entry = await gw.cache.get(hit.headers['x-gatecache-key'] as string);
    expect(JSON.parse(entry!.body.toString())).toEqual(chatAnswer);
    expect(entry!.headers).toEqual({ 'content-type': 'application/json' });
  });

  it('stores provider, model, endpoint, tenant, kind, status and usage in the entry', async () => {
    gw = await startGateway({ upstream: upstream.url });
    const res = await request(gw.url).post('/v1/chat/completions').set(AUTH).send(chatRequest);
    const entry = await gw.cache.get(res.headers['x-gatecache-key'] as string);
    expect(entry).toMatchObject({
      provider: 'openai',
      model: 'gpt-4o-mini',
      endpoint: 'chat.completions',
      kind: 'json',
      status: 200,
      headers: { 'content-type': 'application/json', 'x-request-id': 'req_fixture' },
    });
    expect(entry!.tenant).toMatch(/^[0-9a-f]{16}$/);
    expect(entry!.usage).toMatchObject({ inputTokens: expect.any(Number), outputTokens: expect.any(Number) });
  });

  it('caches GET /v1/models in the models namespace and leaves other GETs alone', async () => {
    gw = await startGateway({ upstream: upstream.url });
    await request(gw.url).get('/v1/models').set(AUTH);
    const hit = await request(gw.url).get('/v1/models').set(AUTH);
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.headers['x-gatecache-key']).toMatch(/^models:openai:/);
    expect(hit.body.data[0].id).toBe('gpt-4o-mini');
    const anthropic = await request(gw.url)
      .get('/anthropic/v1/models')
      .set({ 'x-api-key': 'k', 'anthropic-version': '2023-06-01' });
    expect(anthropic.body.data[0].id).toBe('claude-sonnet-4-5-20250929');
    expect(upstream.calls).toBe(2);

    const plain = await request(gw.url).get('/plain/hello');
    expect(plain.body).toEqual({ hello: 'world' });
    expect(plain.headers['x-cache']).toBeUndefined();
    await request(gw.url).get('/v1/files');
    await request(gw.url).get('/v1/files');
    expect(upstream.calls).toBe(4);
  });

  it('leaves unknown POST endpoints alone unless cacheUnknownEndpoints is set', async () => {
    gw = await startGateway({ upstream: upstream.url });
    await request(gw.url).post('/v1/assistants').send({ a: 1 });
    const again = await request(gw.url).post('/v1/assistants').send({ a: 1 });
    expect(again.headers['x-cache']).toBeUndefined();
    expect(upstream.calls).toBe(2);
    await gw.close();
    gw = await startGateway({ upstream: upstream.url, middleware: { cacheUnknownEndpoints: true } });
    await request(gw.url).post('/v1/assistants').send({ a: 1 });
    const hit = await request(gw.url).post('/v1/assistants').send({ a: 1 });
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(upstream.calls).toBe(3);
  });

  it('passes bodies over maxBodyBytes through uncached, unread', async () => {
    gw = await startGateway({ upstream: upstream.url, middleware: { limits: { bodyBytes: 100 } } });
    for (let i = 0; i < 2; i++) {
      const res = await request(gw.url).post('/v1/chat/completions').set(AUTH).send(chatRequest);
      expect(res.headers['x-cache']).toBe('BYPASS');
      expect(res.headers['cache-status']).toBe('gatecache; fwd=bypass; detail=too-large');
    }
    expect(upstream.calls).toBe(2);
    expect(JSON.parse(upstream.requests[1]!.body)).toEqual(chatRequest);
  });

  it('passes a chunked body over the limit through intact', async () => {
    gw = await startGateway({ upstream: upstream.url, middleware: { limits: { bodyBytes: 64 } } });
    const text = JSON.stringify(chatRequest);
    const res = await rawRequest(`${gw.url}/v1/chat/completions`, {
      body: text,
      headers: { ...AUTH, 'transfer-encoding': 'chunked' },
    });
    expect(res.headers['x-cache']).toBe('BYPASS');
    expect(upstream.requests[0]!.body).toBe(text);
  });

  it('gives the next handler req.body and req.rawBody, also for a remembered key, and leaves a hit alone', async () => {
    const seen: { body: unknown; raw: string | undefined }[] = [];
    const cache = createCache();
    const mw = responseCache({ cache });
    const app = express();
    app.use(mw);
    app.post('/v1/chat/completions', (req, res) => {
      const r = req as typeof req & { rawBody?: Buffer };
      seen.push({ body: r.body, raw: r.rawBody?.toString() });
      res.json(chatAnswer);
    });
    const text = JSON.stringify(chatRequest);
    const send = () => postText(app, text);
    await send();
    expect((await send()).headers['x-cache']).toBe('HIT');
    await cache.clear();
    await send();
    expect(seen).toEqual([
      { body: chatRequest, raw: text },
      { body: chatRequest, raw: text },
    ]);
    await cache.close();
  });

  it('remembers the key of a request only once the cache answered it', async () => {
    const keyer = createKeyer();
    gw = await startGateway({ upstream: upstream.url, middleware: { key: keyer } });
    const text = JSON.stringify(chatRequest);
    const asKeyed = {
      method: 'POST',
      url: '/v1/chat/completions',
      headers: { ...AUTH, 'content-type': 'application/json' },
      rawBody: Buffer.from(text),
    };
    const send = () => postText(gw!.url, text);
    // A miss is keyed without a memo entry: most misses never repeat.
    const miss = await send();
    expect(miss.headers['x-cache']).toBe('MISS');
    expect(keyer.remembered?.(asKeyed)).toBeUndefined();
    const hit = await send();
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(keyer.remembered?.(asKeyed)?.key).toBe(hit.headers['x-gatecache-key']);
    // The next repeat is keyed from the memo, and still answered from the cache.
    expect((await send()).headers['x-cache']).toBe('HIT');
    expect(upstream.calls).toBe(1);
  });

  it('uses a body express.json already parsed', async () => {
    gw = await startGateway({ upstream: upstream.url, before: (app) => app.use(express.json()) });
    await request(gw.url).post('/v1/chat/completions').set(AUTH).send(chatRequest);
    const hit = await request(gw.url).post('/v1/chat/completions').set(AUTH).send(chatRequest);
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(JSON.parse(upstream.requests[0]!.body)).toEqual(chatRequest);
  });

  it('passes requests through when every tier fails, never answering 5xx itself', async () => {
    const broken: Store = {
      ...memoryStore(),
      name: 'broken',
      get: () => Promise.reject(new Error('tier down')),
      set: () => Promise.reject(new Error('tier down')),
    };
    gw = await startGateway({ upstream: upstream.url, cache: createCache({ tiers: [broken] }) });
    for (let i = 0; i < 2; i++) {
      const res = await request(gw.url).post('/v1/chat/completions').set(AUTH).send(chatRequest);
      expect(res.status).toBe(200);
      expect(res.body).toEqual(chatAnswer);
    }
    expect(upstream.calls).toBe(2);
  });

  it('passes requests through when the keyer throws', async () => {
    const keyer = {
      route: () =>
        ({
          provider: 'openai',
          endpoint: 'chat.completions',
          model: 'm',
          streaming: false,
          streamConvertible: true,
        }) as const,
      key: () => {
        throw new Error('boom');
      },
      explain: () => {
        throw new Error('boom');
      },
    };
    gw = await startGateway({ upstream: upstream.url, middleware: { key: keyer as never } });
    const res = await request(gw.url).post('/v1/chat/completions').set(AUTH).send(chatRequest);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(chatAnswer);
    expect(gw.mw.stats().errors).toBe(1);
  });

  it('caches only temperature 0 or seeded generations with determinism: deterministic', async () => {
    gw = await startGateway({ upstream: upstream.url, middleware: { determinism: 'deterministic' } });
    const warm = { ...chatRequest, temperature: 0.7 };
    const res = await request(gw.url).post('/v1/chat/completions').set(AUTH).send(warm);
    expect(res.headers['cache-status']).toBe('gatecache; fwd=bypass; detail=policy');
    await request(gw.url)
      .post('/v1/chat/completions')
      .set(AUTH)
      .send({ ...warm, seed: 7 });
    const seeded = await request(gw.url)
      .post('/v1/chat/completions')
      .set(AUTH)
      .send({ ...warm, seed: 7 });
    expect(seeded.headers['x-cache']).toBe('HIT');
    expect(upstream.calls).toBe(2);
  });

  it('keeps up to N variants per key and serves one picked by random', async () => {
    let r = 0;
    const picks = [0.1, 0.9, 0.1, 0.9];
    gw = await startGateway({
      upstream: upstream.url,
      middleware: { variants: { count: 2, random: () => picks[r++ % 4]! } },
    });
    upstream.override = (_req, res) => sendJson(res, 200, { ...chatAnswer, id: `answer-${upstream.calls}` });
    const a = await request(gw.url).post('/v1/chat/completions').set(AUTH).send(chatRequest);
    const b = await request(gw.url).post('/v1/chat/completions').set(AUTH).send(chatRequest);
    const a2 = await request(gw.url).post('/v1/chat/completions').set(AUTH).send(chatRequest);
    const b2 = await request(gw.url).post('/v1/chat/completions').set(AUTH).send(chatRequest);
    expect(upstream.calls).toBe(2);
    expect(a.body.id).toBe('answer-1');
    expect(b.body.id).toBe('answer-2');
    expect(a2.body.id).toBe('answer-1');
    expect(b2.body.id).toBe('answer-2');
    expect(a.headers['x-gatecache-key']).toMatch(/:v0$/);
    expect(b.headers['x-gatecache-key']).toMatch(/:v1$/);
  });

  it('accounts tokens and cost saved by hits, by tenant, model and namespace', async () => {
    gw = await startGateway({
      upstream: upstream.url,
      middleware: { accounting: { pricing: { 'gpt-4o-mini': { input: 0.15, output: 0.6 } } } },
    });
    const saved: unknown[] = [];
    gw.mw.events.on('saved', (e) => saved.push(e));
    const miss = await request(gw.url).post('/v1/chat/completions').set(AUTH).send(chatRequest);
    await request(gw.url).post('/v1/chat/completions').set(AUTH).send(chatRequest);
    const usage = chatAnswer.usage as { prompt_tokens: number; completion_tokens: number };
    const cost = (usage.prompt_tokens * 0.15 + usage.completion_tokens * 0.6) / 1e6;
    const stats = gw.mw.stats();
    expect(stats.saved).toEqual({
      hits: 1,
      inputTokens: usage.prompt_tokens,
      outputTokens: usage.completion_tokens,
      costUsd: cost,
    });
    expect(stats.byModel['gpt-4o-mini']?.hits).toBe(1);
    expect(stats.byNamespace.response?.costUsd).toBeCloseTo(cost);
    expect(Object.values(stats.byTenant)[0]?.inputTokens).toBe(usage.prompt_tokens);
    expect(saved).toEqual([
      expect.objectContaining({
        key: miss.headers['x-gatecache-key'],
        model: 'gpt-4o-mini',
        tenant: expect.any(String),
        costUsd: cost,
      }),
    ]);
    expect(stats).toMatchObject({ requests: 2, hits: 1, misses: 1, stored: 1 });
  });

  it('hides the key when exposeKey is false', async () => {
    gw = await startGateway({ upstream: upstream.url, middleware: { headers: { exposeKey: false } } });
    await request(gw.url).post('/v1/chat/completions').set(AUTH).send(chatRequest);
    const hit = await request(gw.url).post('/v1/chat/completions').set(AUTH).send(chatRequest);
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.headers['x-gatecache-key']).toBeUndefined();
  });
});

describe('responseCache next to compression()', () => {
  beforeEach(async () => {
    gw = await startGateway({ upstream: upstream.url, compression: true });
  });

  it('compresses hits once for clients that accept gzip and not for others', async () => {
    const big = {
      ...chatAnswer,
      choices: [{ index: 0, message: { role: 'assistant', content: 'x'.repeat(4000) } }],
    };
    upstream.override = (_req, res) => sendJson(res, 200, big);
    await rawRequest(`${gw!.url}/v1/chat/completions`, {
      body: chatRequest,
      headers: { ...AUTH, 'accept-encoding': 'gzip' },
    });
    const zipped = await rawRequest(`${gw!.url}/v1/chat/completions`, {
      body: chatRequest,
      headers: { ...AUTH, 'accept-encoding': 'gzip' },
    });
    expect(zipped.headers['x-cache']).toBe('HIT');
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(gunzipSync(zipped.raw).toString())).toEqual(big);
    const plain = await rawRequest(`${gw!.url}/v1/chat/completions`, { body: chatRequest, headers: AUTH });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(plain.body)).toEqual(big);
    expect(upstream.calls).toBe(1);
  });

  it('does not buffer a live stream on a miss', async () => {
    let sawFirst: () => void = () => undefined;
    const firstSeen = new Promise<boolean>((resolve) => {
      sawFirst = () => resolve(true);
      setTimeout(() => resolve(false), 2000);
    });
    let seenBeforeEnd: boolean | undefined;
    upstream.override = async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"choices":[]}\n\n');
      seenBeforeEnd = await firstSeen;
      res.end('data: [DONE]\n\n');
    };
    const res = await rawRequest(`${gw!.url}/v1/chat/completions`, {
      body: { ...chatRequest, stream: true },
      headers: { ...AUTH, 'accept-encoding': 'gzip' },
      onChunk: () => sawFirst(),
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(seenBeforeEnd).toBe(true);
    expect(gunzipSync(res.raw).toString()).toBe('data: {"choices":[]}\n\ndata: [DONE]\n\n');
  });
});
