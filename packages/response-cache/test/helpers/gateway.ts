import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import compression from 'compression';
import express from 'express';
import type { Express, RequestHandler } from 'express';
import { createProxyMiddleware } from 'http-proxy-middleware';
import { createCache } from '@gatecache/core';
import type { Cache, CacheOptions } from '@gatecache/core';
import { proxyRequestBody, responseCache } from '../../src';
import type { CacheRequest, ResponseCacheMiddleware, ResponseCacheOptions } from '../../src';

export interface Gateway {
  url: string;
  app: Express;
  cache: Cache;
  mw: ResponseCacheMiddleware;
  close(): Promise<void>;
}

export interface GatewayOptions {
  upstream: string;
  /**
   * The next handler. 'hpm': http-proxy-middleware 3 with a keep-alive agent; 'fetch': a hand-written
   * fetch-and-pipe handler; a function: a route that answers by itself (how it writes is what a test is about).
   */
  handler?: 'hpm' | 'fetch' | RequestHandler;
  cache?: Cache;
  cacheOptions?: CacheOptions;
  middleware?: Omit<ResponseCacheOptions, 'cache'>;
  /** Mount compression() in front of the cache. */
  compression?: boolean;
  /** Extra routes or middleware before the cache (e.g. express.json, a non-LLM route). */
  before?: (app: Express) => void;
  /** hpm `proxyTimeout` (ms). */
  proxyTimeout?: number;
}

/** The proxy as the minimal example wires it, the Anthropic mount rewritten to the upstream root. */
function hpmHandler(upstream: string, agent: http.Agent, proxyTimeout?: number): RequestHandler {
  return createProxyMiddleware({
    target: upstream,
    changeOrigin: true,
    agent,
    pathFilter: (p) => !p.startsWith('/plain'),
    pathRewrite: { '^/anthropic': '' },
    ...(proxyTimeout ? { proxyTimeout } : {}),
    on: { proxyReq: proxyRequestBody },
  }) as RequestHandler;
}

const HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'host',
  'content-encoding',
]);

/** What a gateway author writes without a proxy library: fetch upstream, pipe the body back. */
function fetchHandler(upstream: string): RequestHandler {
  return (req, res, next) => {
    const r = req as unknown as CacheRequest;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (!HOP.has(k) && typeof v === 'string') headers[k] = v;
    const target = upstream + (req.originalUrl ?? req.url).replace(/^\/anthropic/, '');
    const body = req.method === 'POST' ? (r.rawBody ?? JSON.stringify(r.body ?? {})) : undefined;
    fetch(target, { method: req.method, headers, ...(body !== undefined ? { body } : {}) })
      .then((answer) => {
        const out: Record<string, string> = {};
        // fetch decodes bodies itself: pass on neither its encoding nor its length.
        answer.headers.forEach((v, k) => {
          if (!HOP.has(k)) out[k] = v;
        });
        res.writeHead(answer.status, out);
        if (!answer.body) res.end();
        else Readable.fromWeb(answer.body as unknown as WebReadableStream).pipe(res);
      })
      .catch(next);
  };
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const cache = options.cache ?? createCache(options.cacheOptions);
  const mw = responseCache({ cache, ...options.middleware });
  const agent = new http.Agent({ keepAlive: true });
  const app = express();
  if (options.compression) app.use(compression());
  options.before?.(app);
  app.use(mw);
  app.get('/plain/hello', (_req, res) => {
    res.json({ hello: 'world' });
  });
  app.use(
    typeof options.handler === 'function'
      ? options.handler
      : options.handler === 'fetch'
        ? fetchHandler(options.upstream)
        : hpmHandler(options.upstream, agent, options.proxyTimeout),
  );
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    app,
    cache,
    mw,
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Waits until `check` holds (polling every few ms), failing after `timeoutMs`. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error('until: condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A raw HTTP request through Node's client: status, headers, body and whether the response was cut. */
export function rawRequest(
  url: string,
  options: {
    method?: string;
    headers?: http.OutgoingHttpHeaders;
    body?: unknown;
    onChunk?: (c: string) => void;
  } = {},
): Promise<{
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  raw: Buffer;
  aborted: boolean;
}> {
  return new Promise((resolve, reject) => {
    const payload =
      options.body === undefined
        ? undefined
        : typeof options.body === 'string'
          ? options.body
          : JSON.stringify(options.body);
    const req = http.request(
      url,
      {
        method: options.method ?? (payload ? 'POST' : 'GET'),
        agent: false,
        headers: { ...(payload ? { 'content-type': 'application/json' } : {}), ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let aborted = false;
        res.on('data', (c: Buffer) => {
          chunks.push(c);
          options.onChunk?.(c.toString('utf8'));
        });
        res.on('aborted', () => (aborted = true));
        res.on('error', () => (aborted = true));
        res.on('close', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            raw: Buffer.concat(chunks),
            aborted: aborted || !res.complete,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
