import { gzipSync } from 'node:zlib';
import request from 'supertest';
import { createCache } from '@gatecache/core';
import { createKeyer } from '@gatecache/cache-key';
import { rawRequest, until } from './helpers/gateway';
import type { Gateway } from './helpers/gateway';
import { gate, sleep, useGateways } from './helpers/harness';
import { memoryLock } from './helpers/lock';
import { fixture, fixtureJson, sendJson, sendSse } from './helpers/upstream';
import type { Upstream } from './helpers/upstream';

const chatRequest = fixtureJson('openai/chat-completion.request.json');
const chatAnswer = fixtureJson('openai/chat-completion.response.json');
const chatStream = fixture('openai/chat-completion.stream.sse');
const AUTH = { authorization: 'Bearer sk-test-1' };

const h = useGateways();
const gateway = h.gateway;

/** Has the upstream hold every call until the returned `open()`, then answer it with `answer`. */
function holdUpstream(answer: NonNullable<Upstream['override']>): () => void {
  const g = gate();
  h.upstream.override = async (req, res) => {
    await g.wait;
    return answer(req, res);
  };
  return g.open;
}

/** 100 identical requests, all waiting in the cache before the held upstream answers: one upstream call. */
async function hundredAtOnce(
  gw: Gateway,
  body: unknown,
  open: () => void,
): Promise<Array<Awaited<ReturnType<typeof rawRequest>>>> {
  const all = Array.from({ length: 100 }, () =>
    rawRequest(`${gw.url}/v1/chat/completions`, { body, headers: AUTH }),
  );
  await until(() => gw.mw.stats().requests === 100);
  open();
  const answers = await Promise.all(all);
  expect(h.upstream.calls).toBe(1);
  return answers;
}

describe('single-flight', () => {
  it('answers 100 concurrent identical JSON requests with one upstream call', async () => {
    const gw = await gateway();
    const open = holdUpstream(async (_req, res) => {
      sendJson(res, 200, chatAnswer);
    });
    const answers = await hundredAtOnce(gw, chatRequest, open);
    for (const a of answers) {
      expect(a.status).toBe(200);
      expect(JSON.parse(a.body)).toEqual(chatAnswer);
    }
    expect(
      answers.filter((a) => a.headers['cache-status'] === 'gatecache; fwd=miss; collapsed'),
    ).toHaveLength(99);
    expect(gw.mw.stats()).toMatchObject({ misses: 1, collapsed: 99, stored: 1 });
  });

  it('answers 100 concurrent identical streamed requests with one upstream call, byte for byte', async () => {
    const gw = await gateway();
    const open = holdUpstream(async (_req, res) => {
      await sendSse(res, chatStream, { delayMs: 2 });
    });
    const body = { ...chatRequest, stream: true };
    const answers = await hundredAtOnce(gw, body, open);
    for (const a of answers) {
      expect(a.status).toBe(200);
      expect(a.headers['content-type']).toMatch(/^text\/event-stream/);
      expect(a.body).toBe(chatStream);
    }
  });

  it('fans a stream out live: every waiter gets event k before the upstream sends event k+1', async () => {
    const gw = await gateway();
    const events = chatStream.split('\n\n').filter(Boolean).length;
    const clients = 20;
    let seq = 0;
    const sentAt: number[] = [];
    const receivedAt: number[][] = Array.from({ length: clients }, () => []);
    const open = holdUpstream(async (_req, res) => {
      await sendSse(res, chatStream, { delayMs: 200, onEvent: (i) => (sentAt[i] = ++seq) });
    });
    const body = { ...chatRequest, stream: true };
    const all = Array.from({ length: clients }, (_, c) => {
      let text = '';
      return rawRequest(`${gw.url}/v1/chat/completions`, {
        body,
        headers: AUTH,
        onChunk: (chunk) => {
          text += chunk;
          const complete = text.split('\n\n').length - 1;
          while (receivedAt[c]!.length < complete) receivedAt[c]!.push(++seq);
        },
      });
    });
    await until(() => gw.mw.stats().requests === clients);
    open();
    await Promise.all(all);
    expect(h.upstream.calls).toBe(1);
    expect(sentAt).toHaveLength(events);
    for (let c = 0; c < clients; c++) {
      expect(receivedAt[c]).toHaveLength(events);
      for (let k = 0; k + 1 < events; k++) expect(receivedAt[c]![k]).toBeLessThan(sentAt[k + 1]!);
    }
  }, 20_000);

  it('gives a late joiner the whole stream from its start', async () => {
    const gw = await gateway();
    h.upstream.override = (_req, res) => sendSse(res, chatStream, { delayMs: 30 });
    const body = { ...chatRequest, stream: true };
    const first = rawRequest(`${gw.url}/v1/chat/completions`, { body, headers: AUTH });
    await sleep(100);
    const late = await rawRequest(`${gw.url}/v1/chat/completions`, { body, headers: AUTH });
    expect(late.headers['cache-status']).toBe('gatecache; fwd=miss; collapsed');
    expect(late.body).toBe(chatStream);
    expect((await first).body).toBe(chatStream);
    expect(h.upstream.calls).toBe(1);
  });

  it('does not coalesce a no-cache request onto another request, and stores its answer', async () => {
    const gw = await gateway();
    const open = holdUpstream(async (_req, res) => {
      sendJson(res, 200, { ...chatAnswer, id: `call-${h.upstream.calls}` });
    });
    const first = request(gw.url).post('/v1/chat/completions').set(AUTH).send(chatRequest);
    const firstDone = first.then((r) => r);
    await until(() => h.upstream.calls === 1);
    const fresh = request(gw.url)
      .post('/v1/chat/completions')
      .set(AUTH)
      .set('cache-control', 'no-cache')
      .send(chatRequest);
    const freshDone = fresh.then((r) => r);
    await until(() => h.upstream.calls === 2);
    open();
    const [a, b] = await Promise.all([firstDone, freshDone]);
    expect(a.headers['cache-status']).toBe('gatecache; fwd=miss');
    expect(b.headers['cache-status']).toBe('gatecache; fwd=request');
    expect(h.upstream.calls).toBe(2);
  });

  it('shares an error answer with the waiters but stores it for nobody', async () => {
    const gw = await gateway();
    const open = holdUpstream(async (_req, res) => {
      sendJson(res, 429, fixture('openai/error-429.json'));
    });
    const all = Array.from({ length: 5 }, () =>
      rawRequest(`${gw.url}/v1/chat/completions`, { body: chatRequest, headers: AUTH }),
    );
    await until(() => gw.mw.stats().requests === 5);
    open();
    const answers = await Promise.all(all);
    expect(answers.map((a) => a.status)).toEqual([429, 429, 429, 429, 429]);
    expect(h.upstream.calls).toBe(1);
    h.upstream.override = undefined;
    const next = await request(gw.url).post('/v1/chat/completions').set(AUTH).send(chatRequest);
    expect(next.status).toBe(200);
    expect(h.upstream.calls).toBe(2);
  });

  it('sends a waiter that does not accept the leader content-encoding upstream by itself', async () => {
    const gw = await gateway();
    const open = holdUpstream(async (req, res) => {
      if (String(req.headers['accept-encoding']).includes('gzip')) {
        const zipped = gzipSync(JSON.stringify(chatAnswer));
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
        res.end(zipped);
      } else sendJson(res, 200, chatAnswer);
    });
    const zipped = rawRequest(`${gw.url}/v1/chat/completions`, {
      body: chatRequest,
      headers: { ...AUTH, 'accept-encoding': 'gzip' },
    });
    await until(() => h.upstream.calls === 1);
    const plain = rawRequest(`${gw.url}/v1/chat/completions`, {
      body: chatRequest,
      headers: { ...AUTH, 'accept-encoding': 'identity' },
    });
    await until(() => gw.mw.stats().requests === 2);
    open();
    const [z, p] = await Promise.all([zipped, plain]);
    expect(z.headers['content-encoding']).toBe('gzip');
    expect(p.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(p.body)).toEqual(chatAnswer);
    expect(h.upstream.calls).toBe(2);
  });
});

describe('cross-instance single-flight with a distributed lock', () => {
  it('makes one upstream call for concurrent misses on two instances sharing a cache', async () => {
    const cache = createCache();
    const lock = memoryLock();
    const a = await gateway({ cache, middleware: { lock: { backend: lock } } });
    const b = await gateway({ cache, middleware: { lock: { backend: lock } } });
    const open = holdUpstream(async (_req, res) => {
      sendJson(res, 200, chatAnswer);
    });
    const all = Array.from({ length: 20 }, (_, i) =>
      rawRequest(`${(i % 2 ? a : b).url}/v1/chat/completions`, { body: chatRequest, headers: AUTH }),
    );
    await until(() => a.mw.stats().requests + b.mw.stats().requests === 20);
    await sleep(20);
    open();
    const answers = await Promise.all(all);
    expect(h.upstream.calls).toBe(1);
    for (const x of answers) expect(JSON.parse(x.body)).toEqual(chatAnswer);
    expect(lock.acquired).toBe(1);
  });

  it('takes over when the lock owner dies and its lease expires', async () => {
    const cache = createCache();
    const lock = memoryLock();
    const gw = await gateway({ cache, middleware: { lock: { backend: lock, waitMs: 5000 } } });
    const key = createKeyer().key({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: AUTH,
      body: chatRequest,
    }).key;
    const dead = await lock.acquire(key, 150); // an instance that took the lock and died
    expect(dead).toBeDefined();
    const res = await request(gw.url).post('/v1/chat/completions').set(AUTH).send(chatRequest);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(chatAnswer);
    expect(h.upstream.calls).toBe(1);
    expect(lock.acquired).toBe(2);
  });

  it('reads the cache again once it holds the lock, in case another instance stored the answer meanwhile', async () => {
    const cache = createCache();
    const base = memoryLock();
    const key = createKeyer().key({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: AUTH,
      body: chatRequest,
    }).key;
    // Another instance finishes and stores its answer just before this one is granted the lock.
    const lock = {
      ...base,
      acquire: async (k: string, ttl: number) => {
        await cache.set(key, {
          body: JSON.stringify(chatAnswer),
          status: 200,
          kind: 'json',
          headers: { 'content-type': 'application/json' },
        });
        return base.acquire(k, ttl);
      },
    };
    const gw = await gateway({ cache, middleware: { lock: { backend: lock } } });
    const res = await request(gw.url).post('/v1/chat/completions').set(AUTH).send(chatRequest);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(chatAnswer);
    expect(h.upstream.calls).toBe(0);
    expect(res.headers['cache-status']).toMatch(/collapsed/);
  });
});
