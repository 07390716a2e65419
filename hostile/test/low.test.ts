// Issue 15 item 11 (Low), over real HTTP against the gateway example and against responseCache in a plain
// Express app: 2xx error answers, request bytes that mean more than their parsed value, namespaces a request
// may not write, and upstream calls that hang.
import { forAll, send } from '@gatecache/test-kit';
import type { Answer } from '@gatecache/test-kit';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Gatecache } from 'gatecache';
import { createCache } from '@gatecache/core';
import type { Cache } from '@gatecache/core';
import { proxyRequestBody, responseCache } from '@gatecache/response-cache';
import express from 'express';
import type { RequestHandler } from 'express';
import { createProxyMiddleware } from 'http-proxy-middleware';
import { admin, chat, gateway, post, whileServing } from './helpers';
import type { Gateway } from './helpers';

/** An OpenAI-compatible provider whose answers the test picks per request (200 error bodies, hangs). */
interface Provider {
  url: string;
  calls: number;
  bodies: Buffer[];
  answer: (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => void;
  close(): Promise<void>;
}

const COMPLETION = {
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1,
  model: 'gpt-4o-mini',
  choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
};

function json(res: http.ServerResponse, status: number, body: unknown): void {
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': bytes.length });
  res.end(bytes);
}

async function startProvider(): Promise<Provider> {
  const sockets = new Set<import('node:net').Socket>();
  const provider: Provider = {
    url: '',
    calls: 0,
    bodies: [],
    answer: (_req, res) => json(res, 200, COMPLETION),
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      provider.calls++;
      const body = Buffer.concat(chunks);
      provider.bodies.push(body);
      provider.answer(req, res, body);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  provider.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return provider;
}

/** responseCache + http-proxy-middleware in a plain Express app, as a gateway author wires them. */
async function plainApp(
  target: string,
  options: { proxyTimeout?: number; followerWaitMs?: number } = {},
): Promise<{ url: string; cache: Cache; close(): Promise<void> }> {
  const cache = createCache();
  const app = express();
  app.use(
    '/v1',
    responseCache({
      cache,
      ...(options.followerWaitMs ? { timeouts: { followerWaitMs: options.followerWaitMs } } : {}),
    }),
    createProxyMiddleware({
      target: `${target}/v1`,
      changeOrigin: true,
      ...(options.proxyTimeout ? { proxyTimeout: options.proxyTimeout } : {}),
      on: { proxyReq: proxyRequestBody },
    }) as RequestHandler,
  );
  app.get('/health', (_req, res) => void res.json({ ok: true }));
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    cache,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await cache.close();
    },
  };
}

async function keysOf(cache: Cache, pattern = '*'): Promise<string[]> {
  const out: string[] = [];
  for await (const k of cache.keys(pattern)) out.push(k);
  return out;
}

/** POSTs exact bytes (post() sends text, which cannot carry invalid UTF-8). */
function postBytes(url: string, bytes: Buffer): Promise<Answer> {
  return send(url, url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-hostile-tenant-a' },
    body: bytes,
  });
}

const ERROR_BODIES: Array<[string, unknown]> = [
  ['an error member', { error: { message: 'The server is overloaded', type: 'server_error' } }],
  [
    'vLLM object: error',
    { object: 'error', message: 'out of memory', type: 'InternalServerError', code: 500 },
  ],
  ['a string error', { error: 'upstream connect error or disconnect/reset before headers' }],
  ['a typed error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }],
];
const ERROR_STREAMS: Array<[string, string]> = [
  ['vLLM object: error', 'data: {"object":"error","message":"engine died","code":500}\n\n'],
  ['an error member', 'data: {"error":{"message":"overloaded","type":"server_error"}}\n\n'],
  ['an escaped error member', 'data: {"\\u0065rror":{"message":"overloaded"}}\n\n'],
];
const FIRST_CHUNK =
  'data: {"id":"c","object":"chat.completion.chunk","model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"Hel"}}]}\n\n';

const invalidUtf8 = (bad: number[]): Buffer =>
  Buffer.concat([
    Buffer.from('{"model":"gpt-4o-mini","messages":[{"role":"user","content":"low '),
    Buffer.from(bad),
    Buffer.from('"}]}'),
  ]);
const INVALID_UTF8: number[][] = [[0xff], [0xfe], [0xc3], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80]];
const DUPLICATES = [
  '{"model":"gpt-4o-mini","model":"gpt-4o","messages":[{"role":"user","content":"dup 1"}]}',
  '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"dup 2","content":"other"}]}',
  '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"dup 3"}],"temperature":0,"\\u0074emperature":1}',
  '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"dup 4"}],"metadata":{"a":{"b":1,"b":2}}}',
];
const FORBIDDEN_NAMESPACES = ['config', 'summary', 'models', 'Config', 'nowhere'];

describe('the gateway example in front of a provider that answers errors with 200 and hangs', () => {
  let provider: Provider;
  let gw: Gateway;
  beforeAll(async () => {
    provider = await startProvider();
    gw = await gateway({ OPENAI_BASE_URL: `${provider.url}/v1`, UPSTREAM_TIMEOUT_MS: '400' });
  });
  afterAll(async () => {
    await gw.stop();
    await provider.close();
  });
  const cache = (): Cache => (gw.gatecache as unknown as Gatecache).cache;

  it.each(ERROR_BODIES)('should not store a 200 JSON answer with %s', async (_name, body) => {
    provider.answer = (_req, res) => json(res, 200, body);
    const prompt = `error body ${JSON.stringify(body)}`;
    const calls = provider.calls;
    for (let i = 0; i < 2; i++) {
      const res = await post(`${gw.url}/v1/chat/completions`, chat(prompt));
      expect(res.status).toBe(200);
      expect(res.headers.get('x-cache')).toBe('MISS');
    }
    expect(provider.calls).toBe(calls + 2);
  });

  it.each(ERROR_STREAMS)('should not store a 200 stream with %s before [DONE]', async (name, error) => {
    provider.answer = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(`${FIRST_CHUNK}${error}data: [DONE]\n\n`);
    };
    const body = chat(`error stream ${name}`, { stream: true });
    await post(`${gw.url}/v1/chat/completions`, body);
    await new Promise((r) => setTimeout(r, 50));
    expect((await post(`${gw.url}/v1/chat/completions`, body)).headers.get('x-cache')).toBe('MISS');
  });

  it('should answer every request joined to a hung call within the upstream timeout, and keep serving others', async () => {
    provider.answer = () => undefined; // never answers
    const calls = provider.calls;
    const seen = await whileServing(`${gw.url}/health`, async () => {
      const started = performance.now();
      const all = await Promise.all(
        Array.from({ length: 6 }, () => post(`${gw.url}/v1/chat/completions`, chat('hung call'))),
      );
      expect(all.map((a) => a.status)).toEqual(Array(6).fill(504));
      expect(performance.now() - started).toBeLessThan(5000);
    });
    expect(seen.failures).toEqual([]);
    expect(provider.calls).toBe(calls + 1);
    expect(await keysOf(cache(), 'response:*')).not.toContainEqual(expect.stringContaining('hung'));
  });

  it('should refuse the config, summary and models namespaces (and unknown ones) with 400, writing nothing there', async () => {
    provider.answer = (_req, res) => json(res, 200, COMPLETION);
    const before = {
      config: await keysOf(cache(), 'config:*'),
      summary: await keysOf(cache(), 'summary:*'),
      models: await keysOf(cache(), 'models:*'),
    };
    for (const ns of FORBIDDEN_NAMESPACES) {
      const res = await post(`${gw.url}/v1/chat/completions`, chat(`ns ${ns}`), {
        'x-gatecache-namespace': ns,
      });
      expect(res.status).toBe(400);
      expect(JSON.parse(res.text).error.type).toBe('invalid_request_error');
    }
    expect(await keysOf(cache(), 'config:*')).toEqual(before.config);
    expect(await keysOf(cache(), 'summary:*')).toEqual(before.summary);
    expect(await keysOf(cache(), 'models:*')).toEqual(before.models);
    const ok = await post(`${gw.url}/v1/chat/completions`, chat('ns response'), {
      'x-gatecache-namespace': 'response',
    });
    expect(ok.status).toBe(200);
    // The admin API still reads the config namespace: the gateway's own entry is intact.
    const config = await fetch(`${gw.url}/api/config/cache`, { headers: admin });
    expect(config.status).toBe(200);
  });

  it('should pass bodies that are not valid UTF-8 through uncached, bytes unchanged', async () => {
    provider.answer = (_req, res) => json(res, 200, COMPLETION);
    for (const bad of INVALID_UTF8) {
      const bytes = invalidUtf8(bad);
      const res = await postBytes(`${gw.url}/v1/chat/completions`, bytes);
      expect(res.status).toBe(200);
      expect(res.headers['cache-status']).toBe('gatecache; fwd=bypass; detail=invalid-utf8');
      expect(provider.bodies.at(-1)).toEqual(bytes);
    }
  });

  it('should pass bodies with a duplicate member name through uncached, bytes unchanged', async () => {
    for (const text of DUPLICATES) {
      for (let i = 0; i < 2; i++) {
        const res = await postBytes(`${gw.url}/v1/chat/completions`, Buffer.from(text));
        expect(res.headers['cache-status']).toBe('gatecache; fwd=bypass; detail=duplicate-keys');
        expect(provider.bodies.at(-1)!.toString()).toBe(text);
      }
    }
  });
});

describe('responseCache in a plain Express app, in front of the same provider', () => {
  const provider = forAll(startProvider, (p) => p.close());

  it('should store none of the 200 error answers, JSON or streamed', async () => {
    const app = await plainApp(provider().url);
    try {
      for (const [name, body] of ERROR_BODIES) {
        provider().answer = (_req, res) => json(res, 200, body);
        await post(`${app.url}/v1/chat/completions`, chat(`plain ${name}`));
      }
      for (const [name, error] of ERROR_STREAMS) {
        provider().answer = (_req, res) => {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.end(`${FIRST_CHUNK}${error}data: [DONE]\n\n`);
        };
        await post(`${app.url}/v1/chat/completions`, chat(`plain stream ${name}`, { stream: true }));
      }
      await new Promise((r) => setTimeout(r, 50));
      expect(await keysOf(app.cache)).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it('should bound the followers of a hung call by followerWaitMs when the proxy has no timeout', async () => {
    const app = await plainApp(provider().url, { followerWaitMs: 300 });
    const hung: http.ServerResponse[] = [];
    provider().answer = (_req, res) => void hung.push(res);
    try {
      const leader = post(`${app.url}/v1/chat/completions`, chat('plain hung')).catch(() => undefined);
      while (hung.length === 0) await new Promise((r) => setTimeout(r, 5));
      const seen = await whileServing(`${app.url}/health`, async () => {
        const followers = await Promise.all(
          Array.from({ length: 5 }, () => post(`${app.url}/v1/chat/completions`, chat('plain hung'))),
        );
        for (const f of followers) {
          expect(f.status).toBe(504);
          expect(f.headers.get('cache-status')).toContain('detail=follower-timeout');
        }
      });
      expect(seen.failures).toEqual([]);
      expect(hung).toHaveLength(1);
      for (const res of hung) json(res, 200, COMPLETION);
      await leader;
    } finally {
      await app.close();
    }
  });

  it('should refuse forbidden namespaces and key nothing on ambiguous bytes', async () => {
    provider().answer = (_req, res) => json(res, 200, COMPLETION);
    const app = await plainApp(provider().url);
    try {
      for (const ns of FORBIDDEN_NAMESPACES) {
        const res = await post(`${app.url}/v1/chat/completions`, chat('plain ns'), {
          'x-gatecache-namespace': ns,
        });
        expect(res.status).toBe(400);
      }
      for (const bad of INVALID_UTF8) {
        const res = await postBytes(`${app.url}/v1/chat/completions`, invalidUtf8(bad));
        expect(res.headers['x-cache']).toBe('BYPASS');
      }
      for (const text of DUPLICATES) {
        const res = await postBytes(`${app.url}/v1/chat/completions`, Buffer.from(text));
        expect(res.headers['x-cache']).toBe('BYPASS');
      }
      expect(await keysOf(app.cache)).toEqual([]);
    } finally {
      await app.close();
    }
  });
});

describe('the gateway example upstream timeout setting', () => {
  it.each(['ten', '0', '-5', '1.5'])('should refuse UPSTREAM_TIMEOUT_MS=%s at start-up', async (value) => {
    await expect(gateway({ UPSTREAM_TIMEOUT_MS: value })).rejects.toThrow(/UPSTREAM_TIMEOUT_MS/);
  });
});
