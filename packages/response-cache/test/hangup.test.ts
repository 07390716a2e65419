import * as net from 'node:net';
import { rawRequest, until } from './helpers/gateway';
import { endlessStream, gate, leaving, useGateways } from './helpers/harness';
import { fixture, fixtureJson, sendJson, sendSse } from './helpers/upstream';

// A client that hangs up first must not take the coalesced requests behind it down, nor the answer the
// cache would store; and when nobody wants the answer any more, the upstream call must end.

const chatRequest = fixtureJson('openai/chat-completion.request.json');
const chatAnswer = fixture('openai/chat-completion.response.json');
const chatStream = fixture('openai/chat-completion.stream.sse');
const messagesRequest = fixtureJson('anthropic/messages.request.json');
const messagesStream = fixture('anthropic/messages.stream.sse');
const AUTH = { authorization: 'Bearer sk-test-1' };
const ANTHROPIC = { 'x-api-key': 'sk-ant-test-1', 'anthropic-version': '2023-06-01' };
const handlers = ['hpm', 'fetch'] as const;

const STREAMS = {
  openai: {
    path: '/v1/chat/completions',
    body: { ...chatRequest, stream: true },
    headers: AUTH,
    text: chatStream,
  },
  anthropic: {
    path: '/anthropic/v1/messages',
    body: { ...messagesRequest, stream: true },
    headers: ANTHROPIC,
    text: messagesStream,
  },
};

const h = useGateways();
const gateway = h.gateway;

describe('a leader that hangs up', () => {
  it.each(
    handlers.flatMap((handler) => (['openai', 'anthropic'] as const).map((api) => [handler, api] as const)),
  )(
    'mid-stream: 2 followers get the whole stream to its terminal event, and it is stored (%s, %s)',
    async (handler, api) => {
      const s = STREAMS[api];
      const g = await gateway({ handler });
      const held = gate();
      h.upstream.override = async (_req, res) => {
        await held.wait;
        await sendSse(res, s.text, { delayMs: 20 });
      };
      const leader = leaving(`${g.url}${s.path}`, s.body, s.headers, 1);
      await until(() => h.upstream.calls === 1);
      const followers = [1, 2].map(() =>
        rawRequest(`${g.url}${s.path}`, { body: s.body, headers: s.headers }),
      );
      await until(() => g.mw.stats().waiting === 2);
      held.open();
      await leader.gone;
      for (const a of await Promise.all(followers)) {
        expect(a.aborted).toBe(false);
        expect(a.body).toBe(s.text);
      }
      await until(() => g.mw.stats().stored === 1);
      const next = await rawRequest(`${g.url}${s.path}`, { body: s.body, headers: s.headers });
      expect(next.headers['x-cache']).toBe('HIT');
      expect(next.body).toBe(s.text);
      expect(h.upstream.calls).toBe(1);
    },
  );

  it.each(handlers)(
    'before the head: the followers get the JSON answer of the one upstream call, and it is stored (%s)',
    async (handler) => {
      const g = await gateway({ handler });
      const held = gate();
      h.upstream.override = async (_req, res) => {
        await held.wait;
        sendJson(res, 200, chatAnswer);
      };
      const url = `${g.url}/v1/chat/completions`;
      const leader = leaving(url, chatRequest, AUTH);
      await until(() => h.upstream.calls === 1);
      const followers = [1, 2].map(() => rawRequest(url, { body: chatRequest, headers: AUTH }));
      await until(() => g.mw.stats().waiting === 2);
      leader.hangUp();
      await new Promise((r) => setTimeout(r, 50));
      held.open();
      for (const a of await Promise.all(followers)) {
        expect(a.status).toBe(200);
        expect(a.body).toBe(chatAnswer);
      }
      await until(() => g.mw.stats().stored === 1);
      const next = await rawRequest(url, { body: chatRequest, headers: AUTH });
      expect(next.headers['x-cache']).toBe('HIT');
      expect(h.upstream.calls).toBe(1);
    },
  );

  it('right after sending its request: the one upstream call still answers the followers and the store', async () => {
    const g = await gateway();
    const held = gate();
    h.upstream.override = async (_req, res) => {
      await held.wait;
      await sendSse(res, chatStream, { delayMs: 5 });
    };
    const s = STREAMS.openai;
    const leader = leaving(`${g.url}${s.path}`, s.body, s.headers, 'sent');
    await leader.gone;
    await until(() => h.upstream.calls === 1);
    const follower = rawRequest(`${g.url}${s.path}`, { body: s.body, headers: s.headers });
    await until(() => g.mw.stats().waiting === 1);
    held.open();
    expect((await follower).body).toBe(chatStream);
    await until(() => g.mw.stats().stored === 1);
    expect(h.upstream.calls).toBe(1);
  });

  it('when the head arrives: a follower still gets the whole stream', async () => {
    const g = await gateway();
    const held = gate();
    h.upstream.override = async (_req, res) => {
      await held.wait;
      await sendSse(res, chatStream, { delayMs: 20 });
    };
    const s = STREAMS.openai;
    const leader = leaving(`${g.url}${s.path}`, s.body, s.headers, 'head');
    await until(() => h.upstream.calls === 1);
    const follower = rawRequest(`${g.url}${s.path}`, { body: s.body, headers: s.headers });
    await until(() => g.mw.stats().waiting === 1);
    held.open();
    await leader.gone;
    expect((await follower).body).toBe(chatStream);
    await until(() => g.mw.stats().stored === 1);
  });

  it.each(handlers)(
    'with no follower: the answer keeps draining into the cache, and the next request is a hit (%s)',
    async (handler) => {
      const g = await gateway({ handler });
      h.upstream.override = (_req, res) => sendSse(res, chatStream, { delayMs: 20 });
      const s = STREAMS.openai;
      await leaving(`${g.url}${s.path}`, s.body, s.headers, 1).gone;
      await until(() => g.mw.stats().stored === 1);
      const next = await rawRequest(`${g.url}${s.path}`, { body: s.body, headers: s.headers });
      expect(next.headers['x-cache']).toBe('HIT');
      expect(next.body).toBe(chatStream);
      expect(h.upstream.calls).toBe(1);
      // The upstream connection of the drained call serves the next miss (a keep-alive agent reuses it).
      const other = { ...s.body, messages: [{ role: 'user', content: 'another question' }] };
      const miss = await rawRequest(`${g.url}${s.path}`, { body: other, headers: s.headers });
      expect(miss.body).toBe(chatStream);
      expect(h.upstream.calls).toBe(2);
    },
  );

  it.each(handlers)(
    'keeps the call going for its followers past drainAfterCloseMs, which bounds only an unwatched drain (%s)',
    async (handler) => {
      const g = await gateway({ handler, middleware: { timeouts: { drainAfterCloseMs: 50 } } });
      h.upstream.override = (_req, res) => sendSse(res, chatStream, { delayMs: 40 });
      const s = STREAMS.openai;
      const leader = leaving(`${g.url}${s.path}`, s.body, s.headers);
      await until(() => h.upstream.calls === 1);
      let got = '';
      const follower = rawRequest(`${g.url}${s.path}`, {
        body: s.body,
        headers: s.headers,
        onChunk: (c) => (got += c),
      });
      await until(() => g.mw.stats().waiting === 1 && got.length > 0);
      leader.hangUp();
      expect((await follower).body).toBe(chatStream);
      await until(() => g.mw.stats().stored === 1);
      expect(h.upstream.calls).toBe(1);
    },
  );
});

describe('when every client is gone', () => {
  it.each(handlers)(
    'cuts the upstream call after drainAfterCloseMs and stores nothing (%s)',
    async (handler) => {
      const g = await gateway({ handler, middleware: { timeouts: { drainAfterCloseMs: 300 } } });
      const notStored: string[] = [];
      g.mw.events.on('not-stored', (e: { reason: string }) => notStored.push(e.reason));
      const stream = endlessStream(h.upstream);
      const s = STREAMS.openai;
      const leader = leaving(`${g.url}${s.path}`, s.body, s.headers, 1);
      await until(() => h.upstream.calls === 1);
      const follower = leaving(`${g.url}${s.path}`, s.body, s.headers, 200);
      await Promise.all([leader.gone, follower.gone]);
      const goneAt = Date.now();
      const cutAt = await stream.cut;
      // The drain went on for drainAfterCloseMs (the follower left later than the leader), then stopped.
      expect(cutAt - goneAt).toBeLessThan(3000);
      expect(stream.sent()).toBeLessThan(2000);
      await until(() => notStored.length === 1);
      expect(notStored).toEqual(['client-closed']);
      expect(g.mw.stats().stored).toBe(0);
      // The flight is gone with it: the next request goes upstream by itself.
      h.upstream.override = undefined;
      const next = await rawRequest(`${g.url}${s.path}`, { body: s.body, headers: s.headers });
      expect(next.body).toBe(chatStream);
      expect(h.upstream.calls).toBe(2);
    },
  );

  it.each(handlers)(
    'cuts the upstream call at once when the answer could not be stored anyway (%s)',
    async (handler) => {
      const g = await gateway({ handler });
      const stream = endlessStream(h.upstream, 20, { 'set-cookie': 'session=1' });
      const s = STREAMS.openai;
      await leaving(`${g.url}${s.path}`, s.body, s.headers, 1).gone;
      const goneAt = Date.now();
      // drainAfterCloseMs is 60 s: the cut comes from the answer being unwanted, not from the time limit.
      expect((await stream.cut) - goneAt).toBeLessThan(3000);
      expect(g.mw.stats().stored).toBe(0);
    },
  );

  it('cuts the upstream call at once with drainAfterCloseMs: 0 when no follower waits', async () => {
    const g = await gateway({ middleware: { timeouts: { drainAfterCloseMs: 0 } } });
    const stream = endlessStream(h.upstream);
    const s = STREAMS.openai;
    await leaving(`${g.url}${s.path}`, s.body, s.headers, 1).gone;
    const goneAt = Date.now();
    expect((await stream.cut) - goneAt).toBeLessThan(3000);
    expect(g.mw.stats().stored).toBe(0);
  });

  it('cuts the upstream call at its head when the client left before it and nobody wants the answer', async () => {
    const g = await gateway({ middleware: { timeouts: { drainAfterCloseMs: 0 } } });
    const held = gate();
    let cut = false;
    let closed!: () => void;
    const upstreamClosed = new Promise<void>((r) => (closed = r));
    h.upstream.override = async (_req, res) => {
      res.on('close', () => {
        cut = !res.writableFinished;
        closed();
      });
      await held.wait;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (let i = 0; i < 100 && !res.destroyed; i++) {
        res.write(`data: {"choices":[{"index":0,"delta":{"content":"${i}"}}]}\n\n`);
        await new Promise((r) => setTimeout(r, 20));
      }
      res.end();
    };
    const s = STREAMS.openai;
    const leader = leaving(`${g.url}${s.path}`, s.body, s.headers);
    await until(() => h.upstream.calls === 1);
    leader.hangUp();
    await new Promise((r) => setTimeout(r, 50));
    held.open();
    await upstreamClosed;
    expect(cut).toBe(true);
    expect(g.mw.stats().stored).toBe(0);
  });
});

describe('a client that hangs up while sending its body', () => {
  it('is not counted as an error, and nothing goes upstream', async () => {
    const g = await gateway();
    const body = JSON.stringify(chatRequest);
    await new Promise<void>((resolve) => {
      const socket = net.connect(Number(new URL(g.url).port), '127.0.0.1', () => {
        socket.write(
          `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
            `Authorization: Bearer sk-test-1\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 40)}`,
          () => setTimeout(() => (socket.destroy(), resolve()), 20),
        );
      });
    });
    await until(() => g.mw.stats().requests === 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(g.mw.stats().errors).toBe(0);
    expect(h.upstream.calls).toBe(0);
  });
});
