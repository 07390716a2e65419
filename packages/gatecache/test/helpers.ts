import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Gatecache } from '../src';

/** One request to the app on a fresh 127.0.0.1 server, body read, server closed. */
export async function answer(app: express.Express, path: string, init: RequestInit = {}): Promise<Response> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  try {
    const { port } = server.address() as AddressInfo;
    return await fetch(`http://127.0.0.1:${port}${path}`, init).then(async (res) => {
      await res.clone().arrayBuffer();
      return res;
    });
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}

/** An Express app with the stack mounted in front of a counting fake upstream. */
export function appOf(gc: Gatecache): { app: express.Express; calls: () => number } {
  let calls = 0;
  const app = express();
  app.use(gc.routers);
  app.use('/v1/chat/completions', gc.contextCondenser);
  app.use('/v1', gc.responseCache, (_req, res) => {
    calls++;
    res.json({
      id: 'x',
      object: 'chat.completion',
      choices: [{ message: { role: 'assistant', content: 'hi' } }],
    });
  });
  return { app, calls: () => calls };
}

export const chat = {
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test' },
  body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] }),
};

export interface FakeUpstream {
  /** OpenAI-style base URL, with `/v1`. */
  url: string;
  /** Requests received: path, authorization header and JSON body. */
  requests: Array<{ path: string; authorization?: string; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

/** A real OpenAI-compatible upstream on 127.0.0.1 that answers every chat completion and records it. */
export async function fakeUpstream(text = 'an upstream answer'): Promise<FakeUpstream> {
  const requests: FakeUpstream['requests'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      requests.push({
        path: req.url ?? '',
        authorization: req.headers.authorization,
        body: raw ? (JSON.parse(raw) as Record<string, unknown>) : {},
      });
      const body = JSON.stringify({
        id: `up-${requests.length}`,
        object: 'chat.completion',
        model: 'gpt-4o-mini',
        choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
      });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/** A logger that keeps what it is given, for asserting start-up warnings. */
/** A fake upstream answering `text`, started before each test of the block and closed after it. */
export function fakeUpstreamEach(text?: string): () => FakeUpstream {
  let upstream: FakeUpstream | undefined;
  beforeEach(async () => {
    upstream = await fakeUpstream(text);
  });
  afterEach(() => upstream?.close());
  return () => {
    if (!upstream) throw new Error('fakeUpstreamEach: used outside a test');
    return upstream;
  };
}

export function recordingLogger(): {
  logger: { debug(): void; info(): void; warn(m: string): void; error(m: string): void };
  warnings: string[];
} {
  const warnings: string[] = [];
  return {
    warnings,
    logger: {
      debug: () => {},
      info: () => {},
      warn: (m: string) => void warnings.push(m),
      error: (m: string) => void warnings.push(m),
    },
  };
}
