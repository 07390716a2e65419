import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { parseSse } from '@gatecache/providers';

export const FIXTURES = path.resolve(__dirname, '../../../../fixtures');

export function fixture(name: string): string {
  return readFileSync(path.join(FIXTURES, name), 'utf8');
}

export function fixtureJson<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(fixture(name)) as T;
}

export interface UpstreamRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Answers one request; return false to fall back to the fixture answer. */
export type Override = (
  req: UpstreamRequest,
  res: http.ServerResponse,
) => boolean | void | Promise<boolean | void>;

export interface Upstream {
  url: string;
  /** Requests received (the call counter). */
  readonly calls: number;
  readonly requests: UpstreamRequest[];
  /** Replace the fixture answers (until set to undefined). */
  override?: Override;
  /** Delay between SSE events of fixture streams (ms). Default 0 (still one write per event). */
  eventDelayMs: number;
  close(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: http.OutgoingHttpHeaders = {},
): void {
  const bytes = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': bytes.length, ...headers });
  res.end(bytes);
}

/** Writes a stream one event per write, `delayMs` apart; stops after `limit` events (then destroys the socket). */
export async function sendSse(
  res: http.ServerResponse,
  text: string,
  options: {
    delayMs?: number;
    abortAfter?: number;
    headers?: http.OutgoingHttpHeaders;
    onEvent?: (i: number) => void;
  } = {},
): Promise<void> {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    ...options.headers,
  });
  const events = parseSse(text);
  for (let i = 0; i < events.length; i++) {
    if (options.abortAfter !== undefined && i >= options.abortAfter) {
      // Let what was written reach the wire first, then cut the connection.
      await new Promise((r) => res.write('', () => setTimeout(r, 10)));
      res.socket?.destroy();
      return;
    }
    if (i > 0 && options.delayMs) await sleep(options.delayMs);
    options.onEvent?.(i);
    res.write((events[i] as { raw: string }).raw);
  }
  res.end();
}

function fixtureAnswer(
  req: UpstreamRequest,
  res: http.ServerResponse,
  delayMs: number,
): Promise<void> | void {
  const p = req.url.split('?')[0] ?? '';
  let body: Record<string, unknown> = {};
  try {
    body = req.body ? (JSON.parse(req.body) as Record<string, unknown>) : {};
  } catch {
    body = {};
  }
  const stream = body.stream === true;
  if (req.method === 'GET' && p.endsWith('/models')) {
    const anthropic = req.headers['anthropic-version'] !== undefined;
    return sendJson(
      res,
      200,
      fixture(anthropic ? 'anthropic/models.response.json' : 'openai/models.response.json'),
    );
  }
  if (p.endsWith('/chat/completions')) {
    if (stream) return sendSse(res, fixture('openai/chat-completion.stream.sse'), { delayMs });
    return sendJson(res, 200, fixture('openai/chat-completion.response.json'), {
      'x-request-id': 'req_fixture',
    });
  }
  if (p.endsWith('/messages')) {
    if (stream) return sendSse(res, fixture('anthropic/messages.stream.sse'), { delayMs });
    return sendJson(res, 200, fixture('anthropic/messages.response.json'), { 'request-id': 'req_anthropic' });
  }
  if (p.endsWith('/embeddings')) return sendJson(res, 200, fixture('openai/embeddings.response.json'));
  if (p.endsWith(':streamGenerateContent'))
    return sendSse(res, fixture('gemini/streamGenerateContent.sse'), { delayMs });
  if (p.endsWith(':generateContent'))
    return sendJson(res, 200, fixture('gemini/generateContent.response.json'));
  return sendJson(res, 200, { ok: true, path: p, method: req.method });
}

export interface Listening {
  url: string;
  close(): Promise<void>;
}

/**
 * A server on 127.0.0.1 that reads each request whole and then hands it to `answer` with its body as text:
 * the skeleton of every upstream stand-in in the tests (summary-cache's too). `close` drops open connections.
 */
export async function listenReading(
  answer: (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void,
): Promise<Listening> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => answer(req, Buffer.concat(chunks).toString('utf8'), res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** What `listenRecording` serves: the requests it took, as recorded, and their count. */
export interface Recording<R> extends Listening {
  readonly calls: number;
  readonly requests: R[];
}

/** `listenReading` keeping each request as `record` makes it before `answer` replies (summary-cache's too). */
export async function listenRecording<R>(
  record: (req: http.IncomingMessage, body: string) => R,
  answer: (seen: R, res: http.ServerResponse) => void,
): Promise<Recording<R>> {
  const requests: R[] = [];
  const server = await listenReading((req, body, res) => {
    const seen = record(req, body);
    requests.push(seen);
    answer(seen, res);
  });
  return {
    url: server.url,
    close: server.close,
    requests,
    get calls() {
      return requests.length;
    },
  };
}

/** A provider stand-in on 127.0.0.1 answering from the fixtures, counting every request. */
export async function startUpstream(): Promise<Upstream> {
  const recording = await listenRecording(
    (req, body): UpstreamRequest => ({
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: req.headers,
      body,
    }),
    (record, res) => {
      void (async () => {
        if (upstream.override && (await upstream.override(record, res)) !== false) return;
        await fixtureAnswer(record, res, upstream.eventDelayMs);
      })().catch(() => res.destroy());
    },
  );
  const upstream: Upstream = Object.assign(recording, { eventDelayMs: 0 });
  return upstream;
}
