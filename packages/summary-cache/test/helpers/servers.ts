import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Express, RequestHandler } from 'express';
import { createProxyMiddleware } from 'http-proxy-middleware';
import { createCache } from '@gatecache/core';
import type { Cache } from '@gatecache/core';
import { proxyRequestBody, responseCache } from '@gatecache/response-cache';
import type { ResponseCacheMiddleware } from '@gatecache/response-cache';
import type { ChatMessage } from '../../src';
// The upstream stand-in shares its skeleton (read the request whole, then answer) with response-cache's tests.
import { listenRecording, sendJson } from '../../../response-cache/test/helpers/upstream';

export interface UpstreamRequest {
  url: string;
  headers: http.IncomingHttpHeaders;
  body: { model?: string; messages: ChatMessage[]; system?: unknown; [k: string]: unknown };
}

export interface Upstream {
  url: string;
  readonly calls: number;
  readonly requests: UpstreamRequest[];
  /** Replaces the default answer while set. */
  answer?: (req: UpstreamRequest, res: http.ServerResponse) => void;
  close(): Promise<void>;
}

export { sendJson };

/** A provider on 127.0.0.1 answering OpenAI chat completions and Anthropic messages, counting calls. */
export async function startUpstream(): Promise<Upstream> {
  const upstream: Upstream = await listenRecording(
    (req, raw): UpstreamRequest => ({
      url: req.url ?? '/',
      headers: req.headers,
      body: JSON.parse(raw || '{}') as UpstreamRequest['body'],
    }),
    (seen, res) => answerChat(upstream, seen, res),
  );
  return upstream;
}

/** The default answer, an OpenAI chat completion or an Anthropic message, unless `upstream.answer` is set. */
function answerChat(upstream: Upstream, seen: UpstreamRequest, res: http.ServerResponse): void {
  if (upstream.answer) return upstream.answer(seen, res);
  const { body } = seen;
  const n = upstream.calls;
  const text = `answer ${n} to ${body.messages.length} messages`;
  if (seen.url.endsWith('/v1/messages')) {
    sendJson(res, 200, {
      id: `msg_${n}`,
      type: 'message',
      role: 'assistant',
      model: body.model,
      content: [{ type: 'text', text }],
      stop_reason: 'end_turn',
      usage: { input_tokens: 10, output_tokens: 5 },
    });
    return;
  }
  sendJson(res, 200, {
    id: `chatcmpl-${n}`,
    object: 'chat.completion',
    created: 1,
    model: body.model,
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
  });
}

export interface Gateway {
  url: string;
  cache: Cache;
  responses: ResponseCacheMiddleware;
  close(): Promise<void>;
}

/** condenser -> responseCache -> http-proxy-middleware 3 (re-sending the body with proxyRequestBody). */
export async function startGateway(
  upstream: string,
  condenser: RequestHandler,
  cache?: Cache,
): Promise<Gateway> {
  const store = cache ?? createCache();
  const responses = responseCache({ cache: store });
  const agent = new http.Agent({ keepAlive: true });
  const app: Express = express();
  app.use(condenser, responses);
  app.use(
    createProxyMiddleware({
      target: upstream,
      changeOrigin: true,
      agent,
      pathRewrite: { '^/anthropic': '' },
      on: { proxyReq: proxyRequestBody },
    }) as RequestHandler,
  );
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    cache: store,
    responses,
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface Reply {
  status: number;
  headers: Headers;
  json: { error?: { type: string; message: string }; [k: string]: unknown };
}

export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test-tenant-a', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as Reply['json'] };
}

const WORDS =
  'alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa'.split(
    ' ',
  );

/** Deterministic filler text of about `words` words, different per seed. */
export function filler(seed: number, words = 40): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(WORDS[(seed * 7 + i * 3) % WORDS.length] as string);
  return `turn ${seed}: ${out.join(' ')}`;
}
