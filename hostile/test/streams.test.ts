// Issue 15, items 5 and 10: clients that hang up on a coalesced answer, and answers too large to hold.
// Against the gateway example (http-proxy-middleware 3 in front of its mock provider, or of a big-answer
// upstream) and against responseCache mounted in a plain Express app in front of a real upstream.
import { proxyStack } from '@gatecache/test-kit';
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createCache } from '@gatecache/core';
import type { Cache } from '@gatecache/core';
import { responseCache } from '@gatecache/response-cache';
import type { ResponseCacheMiddleware, ResponseCacheOptions } from '@gatecache/response-cache';
import { chat, gateway, whileServing } from './helpers';
import type { Gateway } from './helpers';

const OPENAI = { 'content-type': 'application/json', authorization: 'Bearer sk-hostile-tenant-a' };
const ANTHROPIC = {
  'content-type': 'application/json',
  'x-api-key': 'sk-ant-hostile-tenant-a',
  'anthropic-version': '2023-06-01',
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface MockProvider {
  listen(port: number): Promise<string>;
  close(): Promise<void>;
  stats(): { calls: number; byRoute: Record<string, number> };
}
// The mock provider is plain JavaScript without types of its own.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createMockProvider } = require('@gatecache/example-mock-provider') as {
  createMockProvider(options: { latencyMs: number; errorRate: number; chunkDelayMs: number }): MockProvider;
};
/** What the tests read of the gateway's stack (typed loosely by the example). */
const cacheOf = (gw: Gateway): Cache => gw.gatecache.cache as Cache;
const callsOf = (gw: Gateway, route: string): number =>
  (gw.mock!.stats() as unknown as ReturnType<MockProvider['stats']>).byRoute[route] ?? 0;

/** Waits until `check` holds, failing after `ms`. */
async function until(check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > ms) throw new Error('until: condition not met in time');
    await sleep(5);
  }
}

async function countKeys(cache: Cache): Promise<number> {
  let n = 0;
  for await (const _key of cache.keys()) n++;
  return n;
}

type When = 'sent' | 'head' | 'first-byte' | 'never';

/** A client that hangs up at `when` (or when told to): what it got, and a promise for its end. */
function leaving(
  url: string,
  body: unknown,
  headers: Record<string, string>,
  when: When,
): { gone: Promise<void>; hangUp: () => void } {
  let hangUp: () => void = () => undefined;
  // A keep-alive client, as SDKs are: one sending `Connection: close` has that header forwarded upstream by
  // http-proxy, which poisons the gateway's keep-alive pool (reported apart; not this file's subject).
  const agent = new http.Agent({ keepAlive: true });
  const gone = new Promise<void>((resolve) => {
    const req = http.request(url, { method: 'POST', agent, headers });
    hangUp = () => {
      req.destroy();
      agent.destroy();
      resolve();
    };
    req.on('response', (res) => {
      if (when === 'head') return hangUp();
      res.once('data', () => {
        if (when === 'first-byte') hangUp();
      });
    });
    req.on('error', () => resolve());
    req.end(JSON.stringify(body), () => {
      if (when === 'sent') hangUp();
    });
  });
  return { gone, hangUp };
}

/** A complete request: status, headers and the body's bytes. */
async function send(
  url: string,
  body: unknown,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Headers; raw: Buffer; text: string }> {
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
  const raw = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, raw, text: raw.toString('utf8') };
}

/** Whether a text is a whole, valid stream of its API: its terminal event, no error event. */
function completeStream(text: string, api: 'openai' | 'anthropic'): boolean {
  if (text.includes('event: error') || text.includes('"type":"error"')) return false;
  return api === 'openai'
    ? text.endsWith('data: [DONE]\n\n')
    : text.trimEnd().endsWith('data: {"type":"message_stop"}');
}

const ROUTES = {
  openai: { path: '/v1/chat/completions', headers: OPENAI, route: 'POST /v1/chat/completions' },
  anthropic: {
    path: '/anthropic/v1/messages',
    headers: ANTHROPIC,
    route: 'POST /v1/messages',
  },
} as const;

function streamBody(api: 'openai' | 'anthropic', content: string): Record<string, unknown> {
  return api === 'openai'
    ? chat(content, { stream: true })
    : { model: 'claude-haiku-4-5', max_tokens: 64, stream: true, messages: [{ role: 'user', content }] };
}

describe('a leader that hangs up on a coalesced stream, against the gateway example', () => {
  let gw: Gateway;
  beforeAll(async () => {
    // The mock answers after 300 ms: long enough for followers to join the leader's call first.
    gw = await gateway({ MOCK_LATENCY_MS: '300' });
  });
  afterAll(async () => {
    await gw.stop();
  });

  const cases = (['openai', 'anthropic'] as const).flatMap((api) =>
    (['sent', 'head', 'first-byte'] as const).map((when) => ({ api, when })),
  );
  it.each(cases)(
    'should give 2 followers the whole $api stream, store it and keep serving when the leader hangs up at $when',
    async ({ api, when }) => {
      const r = ROUTES[api];
      const url = `${gw.url}${r.path}`;
      const body = streamBody(api, `hang-up ${api} ${when}`);
      const callsBefore = callsOf(gw, r.route);
      let followers: Array<Awaited<ReturnType<typeof send>>> = [];
      const seen = await whileServing(`${gw.url}/health`, async () => {
        const leader = leaving(url, body, r.headers, when);
        await sleep(50);
        const pending = [1, 2].map(() => send(url, body, r.headers));
        await leader.gone;
        followers = await Promise.all(pending);
      });
      expect(seen.failures).toEqual([]);
      expect(seen.worstMs).toBeLessThan(2000);
      for (const f of followers) {
        expect(f.status).toBe(200);
        expect(completeStream(f.text, api)).toBe(true);
      }
      expect(followers[1]?.text).toBe(followers[0]?.text);
      // One upstream call served them all, and its answer was stored.
      expect(callsOf(gw, r.route)).toBe(callsBefore + 1);
      const next = await send(url, body, r.headers);
      expect(next.headers.get('x-cache')).toBe('HIT');
      expect(next.text).toBe(followers[0]?.text);
    },
  );

  it('should store the stream of a leader that hung up mid-stream with nobody waiting', async () => {
    const r = ROUTES.openai;
    const body = streamBody('openai', 'hang-up alone');
    const mw = gw.gatecache.responseCache as unknown as ResponseCacheMiddleware;
    const stored = mw.stats().stored;
    const calls = callsOf(gw, r.route);
    await leaving(`${gw.url}${r.path}`, body, r.headers, 'first-byte').gone;
    await until(() => mw.stats().stored === stored + 1);
    const next = await send(`${gw.url}${r.path}`, body, r.headers);
    expect(next.headers.get('x-cache')).toBe('HIT');
    expect(completeStream(next.text, 'openai')).toBe(true);
    expect(callsOf(gw, r.route)).toBe(calls + 1);
  });

  it('should serve others while clients hang up mid-headers and mid-body, and store nothing for them', async () => {
    const port = new URL(gw.url).port;
    const raw = (text: string): Promise<void> =>
      new Promise((resolve) => {
        const socket = net.connect(Number(port), '127.0.0.1', () => {
          socket.write(text, () => setTimeout(() => (socket.destroy(), resolve()), 20));
        });
        socket.on('error', () => resolve());
      });
    const body = JSON.stringify(streamBody('openai', 'half a body'));
    const keysBefore = await countKeys(cacheOf(gw));
    const seen = await whileServing(`${gw.url}/health`, async () => {
      for (let i = 0; i < 20; i++) {
        await raw(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: appl`);
        await raw(
          `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
            `Authorization: Bearer sk-hostile-tenant-a\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 40)}`,
        );
      }
    });
    expect(seen.failures).toEqual([]);
    expect(seen.worstMs).toBeLessThan(2000);
    await sleep(500);
    expect(await countKeys(cacheOf(gw))).toBe(keysBefore);
    // The same request sent whole afterwards is a plain miss, then a hit.
    const whole = await send(`${gw.url}/v1/chat/completions`, JSON.parse(body), OPENAI);
    expect(whole.headers.get('x-cache')).toBe('MISS');
    expect(completeStream(whole.text, 'openai')).toBe(true);
  });
});

/** responseCache and http-proxy-middleware in a plain Express app, in front of `target`. */
async function plainApp(
  target: string,
  options: Omit<ResponseCacheOptions, 'cache'> = {},
): Promise<{ url: string; cache: Cache; mw: ResponseCacheMiddleware; close: () => Promise<void> }> {
  const cache = createCache({ namespaces: { response: { ttl: 600 } } });
  const mw = responseCache({ cache, ...options });
  const stack = await proxyStack({
    upstream: target,
    mount: '/v1',
    cache: mw,
    before: (app) => app.get('/health', (_req, res) => res.json({ ok: true })),
  });
  return { url: stack.url, cache, mw, close: stack.close };
}

describe('a leader that hangs up, against responseCache in a plain Express app', () => {
  let mock: MockProvider;
  let app: Awaited<ReturnType<typeof plainApp>>;
  beforeAll(async () => {
    // 40 ms between events: a stream of a few hundred ms, so hang-ups land mid-stream.
    mock = createMockProvider({ latencyMs: 200, errorRate: 0, chunkDelayMs: 40 });
    app = await plainApp(await mock.listen(0), { timeouts: { drainAfterCloseMs: 500 } });
  });
  afterAll(async () => {
    await app.close();
    await mock.close();
  });

  it.each(['sent', 'head', 'first-byte'] as const)(
    'should give 3 followers the whole stream and store it when the leader hangs up at %s',
    async (when) => {
      const body = streamBody('openai', `plain ${when}`);
      const url = `${app.url}/v1/chat/completions`;
      const before = mock.stats().calls;
      const leader = leaving(url, body, OPENAI, when);
      await sleep(30);
      const followers = await Promise.all([1, 2, 3].map(() => send(url, body, OPENAI)));
      await leader.gone;
      for (const f of followers) expect(completeStream(f.text, 'openai')).toBe(true);
      expect(mock.stats().calls).toBe(before + 1);
      expect((await send(url, body, OPENAI)).headers.get('x-cache')).toBe('HIT');
    },
  );

  it('should let the upstream call go once every client is gone, within drainAfterCloseMs, and store nothing', async () => {
    // An upstream that streams until its connection is cut.
    let cutAt = 0;
    const endless = http.createServer((_req, res) => {
      res.on('close', () => (cutAt = Date.now()));
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const timer = setInterval(
        () => res.write('data: {"choices":[{"index":0,"delta":{"content":"x"}}]}\n\n'),
        10,
      );
      res.on('close', () => clearInterval(timer));
    });
    await new Promise<void>((r) => endless.listen(0, '127.0.0.1', r));
    const other = await plainApp(`http://127.0.0.1:${(endless.address() as AddressInfo).port}`, {
      timeouts: { drainAfterCloseMs: 300 },
    });
    try {
      const url = `${other.url}/v1/chat/completions`;
      const body = streamBody('openai', 'endless');
      const clients = [1, 2, 3].map(() => leaving(url, body, OPENAI, 'never'));
      await sleep(300);
      for (const c of clients) c.hangUp();
      const goneAt = Date.now();
      await until(() => cutAt > 0, 5000);
      expect(cutAt - goneAt).toBeLessThan(3000);
      expect(await countKeys(other.cache)).toBe(0);
      expect(other.mw.stats().stored).toBe(0);
    } finally {
      await other.close();
      endless.closeAllConnections();
      endless.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------------------
// Answers too large to hold.

/** The collector, reachable without --expose-gc (set from inside the process). */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/**
 * An OpenAI-compatible upstream whose answers are as large as the request asks (`size:N` in the message),
 * high-entropy, JSON or SSE as the request's `stream` says, with a Content-Length or chunked (`chunked`).
 */
async function bigUpstream(): Promise<{ url: string; calls: () => number; close: () => Promise<void> }> {
  let calls = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      calls++;
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as {
        stream?: boolean;
        messages?: Array<{ content: string }>;
      };
      const ask = body.messages?.[0]?.content ?? '';
      const size = Number(/size:(\d+)/.exec(ask)?.[1] ?? 1000);
      const chunked = ask.includes('chunked');
      let bytes: Buffer;
      if (body.stream) {
        const events: string[] = [];
        for (let n = 0; n < size; n += 16 * 1024) {
          const text = randomBytes(12 * 1024).toString('base64');
          events.push(`data: {"choices":[{"index":0,"delta":{"content":"${text}"}}]}\n\n`);
        }
        events.push('data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n');
        bytes = Buffer.from(events.join(''));
      } else {
        const text = randomBytes(Math.ceil(size * 0.75)).toString('base64');
        bytes = Buffer.from(
          JSON.stringify({
            id: 'chatcmpl-big',
            object: 'chat.completion',
            choices: [{ message: { content: text } }],
          }),
        );
      }
      res.writeHead(200, {
        'content-type': body.stream ? 'text/event-stream' : 'application/json',
        ...(chunked ? {} : { 'content-length': bytes.length }),
      });
      let at = 0;
      const pump = (): void => {
        while (at < bytes.length) {
          const ok = res.write(bytes.subarray(at, at + 64 * 1024));
          at += 64 * 1024;
          if (!ok) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls: () => calls,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const MB = 1024 * 1024;

/** Sends each large answer through, checks it arrived whole and was not stored, and measures what stayed. */
async function throughAndGone(
  url: string,
  cache: Cache,
  sizes: number[],
  tag: string,
): Promise<{ retainedMb: number; statuses: string[] }> {
  const gc = collector();
  gc();
  const before = process.memoryUsage();
  // The gateway keeps entries of its own (its config): count what these answers add.
  const keysBefore = await countKeys(cache);
  const statuses: string[] = [];
  for (const size of sizes) {
    for (const stream of [false, true]) {
      for (const chunked of [false, true]) {
        const body = chat(`${tag} size:${size}${chunked ? ' chunked' : ''}`, { stream });
        for (let round = 0; round < 2; round++) {
          const got = await send(url, body, OPENAI);
          expect(got.status).toBe(200);
          expect(got.raw.length).toBeGreaterThan(size * 0.9);
          expect(got.headers.get('x-cache')).toBe('MISS');
          if (stream) expect(got.text.endsWith('data: [DONE]\n\n')).toBe(true);
          else expect(() => JSON.parse(got.text) as unknown).not.toThrow();
          statuses.push(got.headers.get('cache-status') ?? '');
        }
      }
    }
  }
  // Buffers are freed by finalizers that run after a collection: a few rounds let them.
  for (let i = 0; i < 4; i++) {
    gc();
    await sleep(50);
  }
  const after = process.memoryUsage();
  expect(await countKeys(cache)).toBe(keysBefore);
  return { retainedMb: (after.arrayBuffers - before.arrayBuffers) / MB, statuses };
}

describe('answers larger than the stored-size cap, against responseCache in a plain Express app', () => {
  let upstream: Awaited<ReturnType<typeof bigUpstream>>;
  let app: Awaited<ReturnType<typeof plainApp>>;
  beforeAll(async () => {
    upstream = await bigUpstream();
    app = await plainApp(upstream.url, { limits: { entryBytes: MB } });
  });
  afterAll(async () => {
    await app.close();
    await upstream.close();
  });

  it('should pass 2, 5 and 12 MB answers through whole, store none, keep none, and keep serving', async () => {
    let result: Awaited<ReturnType<typeof throughAndGone>> | undefined;
    const seen = await whileServing(`${app.url}/health`, async () => {
      result = await throughAndGone(
        `${app.url}/v1/chat/completions`,
        app.cache,
        [2 * MB, 5 * MB, 12 * MB],
        'plain',
      );
    });
    expect(seen.failures).toEqual([]);
    expect(seen.worstMs).toBeLessThan(2000);
    // 24 answers, 152 MB in all, went through; what stays is bounded by the cap, not by what passed.
    expect(result!.retainedMb).toBeLessThan(16);
    expect(
      result!.statuses.filter((s) => s === 'gatecache; fwd=miss; detail=too-large').length,
    ).toBeGreaterThanOrEqual(18);
    expect(app.mw.stats()).toMatchObject({ stored: 0, notStored: 24 });
  });
});

describe('answers larger than the stored-size cap, against the gateway example', () => {
  let upstream: Awaited<ReturnType<typeof bigUpstream>>;
  let gw: Gateway;
  beforeAll(async () => {
    upstream = await bigUpstream();
    // The gateway proxies OpenAI to the big-answer upstream; its cap is the default (8 MiB).
    gw = await gateway({ OPENAI_BASE_URL: `${upstream.url}/v1`, ANTHROPIC_BASE_URL: upstream.url });
  });
  afterAll(async () => {
    await gw.stop();
    await upstream.close();
  });

  it('should pass 9 and 20 MB answers through whole, store none in memory or on disk, and keep none', async () => {
    let result: Awaited<ReturnType<typeof throughAndGone>> | undefined;
    const seen = await whileServing(`${gw.url}/health`, async () => {
      result = await throughAndGone(`${gw.url}/v1/chat/completions`, cacheOf(gw), [9 * MB, 20 * MB], 'gw');
    });
    expect(seen.failures).toEqual([]);
    expect(seen.worstMs).toBeLessThan(3000);
    // 16 answers, 232 MB in all; one held answer is 8 MiB at most.
    expect(result!.retainedMb).toBeLessThan(24);
    expect(upstream.calls()).toBe(16);
  });
});
