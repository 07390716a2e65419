// Issue 15, item 9: credentials kept in clear at rest. `?key=` (Gemini) and `?api_key=` in a request URL went
// into every stored entry through the replay recipe's path. Requests carrying credentials in every query
// spelling go through the gateway example and a plain Express app; then every byte the cache keeps (disk files,
// Redis values, decoded entries of every tier) and everything the admin routes show is searched for them.
import { CREDENTIAL_PARAM_SPELLINGS } from '@gatecache/test-kit';
import { readFileSync, readdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCache, memoryStore } from '@gatecache/core';
import type { Cache, Logger } from '@gatecache/core';
import { cacheAdmin } from '@gatecache/admin';
import { proxyRequestBody, responseCache } from '@gatecache/response-cache';
import { diskStore } from '@gatecache/store-disk';
import { redisStore } from '@gatecache/store-redis';
import express from 'express';
import { createProxyMiddleware } from 'http-proxy-middleware';
import { ADMIN_TOKEN, admin, chat, gateway } from './helpers';
import type { Gateway } from './helpers';
import { startTestRedis } from './redis-server';
import type { TestRedis } from './redis-server';

interface Sent {
  url: string;
  secrets: string[];
}

/** Every secret this run sent, so that any of them found anywhere fails the test. */
const allSecrets: string[] = [];
let counter = 0;
function secret(): string {
  const s = `AIzaHOSTILE${++counter}x${Math.random().toString(36).slice(2, 10)}SECRET`;
  allSecrets.push(s);
  return s;
}

/** Paths with credentials in the query, in every spelling, once and repeated, next to an ordinary parameter. */
function credentialPaths(base: string): Sent[] {
  const out: Sent[] = [];
  for (const name of CREDENTIAL_PARAM_SPELLINGS) {
    const a = secret();
    out.push({ url: `${base}?${name}=${a}&user_tag=ok`, secrets: [a] });
  }
  const [b, c] = [secret(), secret()];
  out.push({ url: `${base}?key=${b}&key=${c}&api_key=${b}`, secrets: [b, c] });
  return out;
}

function found(text: string | Buffer): string[] {
  const buf = Buffer.isBuffer(text) ? text : Buffer.from(text);
  return allSecrets.filter((s) => buf.includes(s));
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path));
    else out.push(path);
  }
  return out;
}

/** Sends every credential spelling through the OpenAI chat, Anthropic messages and models routes; waits until stored. */
async function sendAll(base: string, cache: Cache, anthropic: string | undefined): Promise<number> {
  const keys: string[] = [];
  const requests: { url: string; init: RequestInit }[] = [];
  for (const [i, sent] of credentialPaths(`${base}/v1/chat/completions`).entries()) {
    requests.push({
      url: sent.url,
      init: {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer sk-hostile-tenant-a' },
        body: JSON.stringify(chat(`credentials ${i} ${sent.url.length}`)),
      },
    });
  }
  if (anthropic) {
    for (const [i, sent] of credentialPaths(`${anthropic}/v1/messages`).entries()) {
      requests.push({
        url: sent.url,
        init: {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-api-key': 'sk-ant-hostile',
            'anthropic-version': '2023-06-01',
          },
          body: JSON.stringify({
            model: 'claude-3-5-haiku-latest',
            max_tokens: 16,
            messages: [{ role: 'user', content: `anthropic credentials ${i}` }],
          }),
        },
      });
    }
  }
  for (const sent of credentialPaths(`${base}/v1/models`))
    requests.push({ url: sent.url, init: { headers: { authorization: 'Bearer sk-hostile-tenant-a' } } });
  for (const r of requests) {
    const res = await fetch(r.url, r.init);
    await res.arrayBuffer();
    expect([r.url, res.status]).toEqual([r.url, 200]);
    const key = res.headers.get('x-gatecache-key');
    if (key) keys.push(key);
  }
  for (let i = 0; i < 200 && !(await Promise.all(keys.map((k) => cache.has(k)))).every(Boolean); i++)
    await new Promise((resolve) => setTimeout(resolve, 20));
  return keys.length;
}

/** Every entry of every tier, raw (as the tier holds it) and decoded (as the cache serves it), as text. */
async function everyEntry(cache: Cache): Promise<string[]> {
  const out: string[] = [];
  for (const tier of cache.tiers) {
    for await (const key of tier.keys('*')) {
      out.push(key);
      const record = await tier.get(key);
      if (!record) continue;
      out.push(JSON.stringify(record.meta));
      out.push(record.data.toString('latin1'));
      out.push((await cache.decodeRecord(record)).toString('utf8'));
    }
  }
  return out;
}

/** What the admin and monitoring routes show (read with the admin token), including an explanation per spelling. */
async function everyRoute(base: string): Promise<string[]> {
  const out: string[] = [];
  await fetch(`${base}/api/cache?pattern=${encodeURIComponent('response:*')}&dry_run=true`, {
    method: 'DELETE',
    headers: admin,
  });
  for (const path of [
    '/logs/cache?limit=1000',
    '/logs/warming?limit=1000',
    '/api/cache/keys?limit=1000',
    '/debug/cache/patterns',
    '/api/cache/stats',
    '/metrics',
    '/metrics/prometheus',
    '/api/config/cache',
  ]) {
    const res = await fetch(`${base}${path}`, { headers: admin });
    out.push(`${path} ${res.status} ${await res.text()}`);
  }
  for (const sent of credentialPaths('/v1beta/models/gemini-1.5-pro:generateContent')) {
    const res = await fetch(`${base}/api/cache/explain`, {
      method: 'POST',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({
        method: 'POST',
        path: sent.url,
        headers: { 'content-type': 'application/json' },
        body: { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] },
      }),
    });
    expect(res.status).toBe(200);
    out.push(await res.text());
  }
  return out;
}

/** An OpenAI-shaped upstream: chat completions and the model list, whatever the query says. */
async function upstream(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const body = req.url?.startsWith('/v1/models')
        ? { object: 'list', data: [{ id: 'gpt-4o-mini', object: 'model' }] }
        : {
            id: 'chatcmpl-1',
            object: 'chat.completion',
            model: 'gpt-4o-mini',
            choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
            usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
          };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

let redis: TestRedis;
beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await redis?.stop();
});
afterEach(async () => {
  await redis.client.flushall();
});

describe('the gateway example', () => {
  let gw: Gateway | undefined;
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gatecache-hostile-creds-'));
  });
  afterEach(async () => {
    await gw?.stop();
    gw = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps no query credential on disk, in any entry, or in what its routes show', async () => {
    gw = await gateway({ GATECACHE_DISK_PATH: join(dir, 'disk'), GATECACHE_PROFILE: 'staging' });
    const cache = gw.gatecache.cache as Cache;
    expect(cache.tiers.map((t) => t.kind)).toContain('disk');
    const stored = await sendAll(gw.url, cache, `${gw.url}/anthropic`);
    expect(stored).toBeGreaterThan(20);
    const files = filesUnder(join(dir, 'disk'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect([file, found(readFileSync(file))]).toEqual([file, []]);
    for (const text of await everyEntry(cache)) expect(found(text)).toEqual([]);
    for (const text of await everyRoute(gw.url)) expect(found(text)).toEqual([]);
  });

  it('keeps no query credential in Redis (every key and value) or in any entry', async () => {
    gw = await gateway({ GATECACHE_DISK_PATH: join(dir, 'disk'), REDIS_URL: redis.url });
    const cache = gw.gatecache.cache as Cache;
    expect(cache.tiers.map((t) => t.kind)).toContain('redis');
    await sendAll(gw.url, cache, `${gw.url}/anthropic`);
    const keys = await redis.client.keys('*');
    expect(keys.length).toBeGreaterThan(20);
    for (const key of keys) {
      expect(found(key)).toEqual([]);
      const type = await redis.client.type(key);
      const value =
        type === 'string'
          ? await redis.client.getBuffer(key)
          : Buffer.from(JSON.stringify(await redis.client.dump(key)));
      expect([key, found(value ?? '')]).toEqual([key, []]);
    }
    for (const text of await everyEntry(cache)) expect(found(text)).toEqual([]);
    for (const text of await everyRoute(gw.url)) expect(found(text)).toEqual([]);
  });
});

describe('the gateway example with warming on', () => {
  it("replays a recipe from a ?key= request with the gateway's own credential and never the client's", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatecache-hostile-warm-'));
    const config = readFileSync(join(__dirname, '../../examples/gateway/config.yaml'), 'utf8').replace(
      /warming:\n {4}enabled: false/,
      'warming:\n    enabled: true\n    namespaces: [response, models]',
    );
    expect(config).toContain('warming:\n    enabled: true');
    writeFileSync(join(dir, 'config.yaml'), config);
    const gw = await gateway({
      GATECACHE_CONFIG: join(dir, 'config.yaml'),
      GATECACHE_DISK_PATH: join(dir, 'disk'),
    });
    try {
      const warming = gw.gatecache.warming as {
        warmer: { warmNow(r: { keys: string[] }): { done: Promise<{ succeeded: number; failed: number }> } };
      };
      expect(warming).toBeDefined();
      const upstreamSaw: { url: string; authorization: string }[] = [];
      (gw.mock as unknown as { server: http.Server }).server.on('request', (req: http.IncomingMessage) =>
        upstreamSaw.push({ url: req.url ?? '', authorization: String(req.headers.authorization) }),
      );
      const s = secret();
      const res = await fetch(`${gw.url}/v1/chat/completions?key=${s}&api_key=${s}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer sk-hostile-tenant-a' },
        body: JSON.stringify(chat('warm me')),
      });
      expect(res.status).toBe(200);
      const key = res.headers.get('x-gatecache-key') as string;
      const cache = gw.gatecache.cache as Cache;
      for (let i = 0; i < 100 && !(await cache.has(key)); i++) await new Promise((r) => setTimeout(r, 20));
      const job = await warming.warmer.warmNow({ keys: [key] }).done;
      expect(job).toMatchObject({ succeeded: 1, failed: 0 });
      // The client's call and then the warm: the warm carries the gateway's key and no query credential.
      const warm = upstreamSaw[upstreamSaw.length - 1];
      expect(warm).toEqual({ url: '/v1/chat/completions', authorization: 'Bearer mock-gateway-key' });
      for (const text of await everyEntry(cache)) expect(found(text)).toEqual([]);
    } finally {
      await gw.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('responseCache and cacheAdmin in a plain Express app (memory, disk and Redis tiers)', () => {
  it('keeps no query credential in any tier, log line or admin route', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatecache-hostile-creds-plain-'));
    const up = await upstream();
    const lines: string[] = [];
    const record =
      (level: string) =>
      (message: string, fields?: Record<string, unknown>): void => {
        lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
      };
    const logger: Logger = {
      debug: record('debug'),
      info: record('info'),
      warn: record('warn'),
      error: record('error'),
    };
    const tier = redisStore({ port: redis.port, keyPrefix: 'hostile-creds:' });
    await tier.ready();
    const cache = createCache({
      tiers: [memoryStore(), diskStore({ path: join(dir, 'disk') }), tier],
      logger,
    });
    const router = cacheAdmin({ cache, token: ADMIN_TOKEN, env: {} });
    const app = express();
    app.use(router);
    app.use(
      '/v1',
      responseCache({ cache, logger }),
      createProxyMiddleware({
        target: `${up.url}/v1`,
        changeOrigin: true,
        agent: new http.Agent({ keepAlive: true }),
        on: { proxyReq: proxyRequestBody },
      }),
    );
    const server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect(await sendAll(base, cache, undefined)).toBeGreaterThan(10);
      for (const file of filesUnder(join(dir, 'disk')))
        expect([file, found(readFileSync(file))]).toEqual([file, []]);
      for (const key of await redis.client.keys('*')) {
        expect(found(key)).toEqual([]);
        expect([key, found((await redis.client.getBuffer(key)) ?? '')]).toEqual([key, []]);
      }
      for (const text of await everyEntry(cache)) expect(found(text)).toEqual([]);
      for (const text of await everyRoute(base)) expect(found(text)).toEqual([]);
      expect(found(lines.join('\n'))).toEqual([]);
    } finally {
      router.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await cache.close();
      await up.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
