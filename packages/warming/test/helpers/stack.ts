import * as path from 'node:path';
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import express from 'express';
import { createCache } from '@gatecache/core';
import type { Cache, CacheOptions } from '@gatecache/core';
import { responseCache } from '@gatecache/response-cache';
import { listen } from '@gatecache/test-kit';

export const chatRequest = JSON.parse(
  readFileSync(path.resolve(__dirname, '../../../../fixtures/openai/chat-completion.request.json'), 'utf8'),
) as Record<string, unknown>;
const chatAnswer = readFileSync(
  path.resolve(__dirname, '../../../../fixtures/openai/chat-completion.response.json'),
  'utf8',
);

export interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A provider stand-in on 127.0.0.1: counts calls, records headers, answers the fixture (or `answer`). */
export interface Upstream {
  url: string;
  received: Received[];
  inFlight: number;
  maxInFlight: number;
  /** Status to answer with; 200 by default. */
  status: number;
  /** Delay before answering (ms). */
  delayMs: number;
  /** When set, answers wait for this promise. */
  hold?: Promise<void>;
  close(): Promise<void>;
}

export async function startUpstream(): Promise<Upstream> {
  const up: Upstream = {
    url: '',
    received: [],
    inFlight: 0,
    maxInFlight: 0,
    status: 200,
    delayMs: 0,
    close: async () => undefined,
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      up.received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      up.inFlight++;
      up.maxInFlight = Math.max(up.maxInFlight, up.inFlight);
      const answer = (): void => {
        up.inFlight--;
        const body = up.status === 200 ? chatAnswer : JSON.stringify({ error: { message: 'boom' } });
        res.writeHead(up.status, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        });
        res.end(body);
      };
      const wait = up.hold ?? new Promise<void>((r) => setTimeout(r, up.delayMs));
      void wait.then(answer);
    });
  });
  ({ url: up.url, close: up.close } = await listen(server));
  return up;
}

export interface Gateway {
  url: string;
  cache: Cache;
  close(): Promise<void>;
}

const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'host']);

/** Express + responseCache + a fetch-and-pipe handler to the upstream: the client's credential goes upstream on a miss. */
export async function startGateway(upstream: string, cacheOptions: CacheOptions): Promise<Gateway> {
  const cache = createCache(cacheOptions);
  const app = express();
  app.use(responseCache({ cache }));
  app.use((req, res, next) => {
    const r = req as unknown as { rawBody?: Buffer; body?: unknown };
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (!HOP.has(k) && typeof v === 'string') headers[k] = v;
    const body = req.method === 'POST' ? (r.rawBody ?? JSON.stringify(r.body ?? {})) : undefined;
    fetch(upstream + req.originalUrl, {
      method: req.method,
      headers,
      ...(body !== undefined ? { body } : {}),
    })
      .then(async (answer) => {
        const out: Record<string, string> = {};
        answer.headers.forEach((v, k) => {
          if (!HOP.has(k) && k !== 'content-encoding') out[k] = v;
        });
        const bytes = Buffer.from(await answer.arrayBuffer());
        res.writeHead(answer.status, out);
        res.end(bytes);
      })
      .catch(next);
  });
  const { url, close } = await listen(app);
  return { url, cache, close };
}

export { postJson as post } from '@gatecache/test-kit';

export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error('until: condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A clock the test moves by hand. */
export function manualClock(start = Date.UTC(2025, 0, 1, 12)): { now(): number; advance(ms: number): void } {
  let t = start;
  return {
    now: () => t,
    advance(ms: number) {
      t += ms;
    },
  };
}
