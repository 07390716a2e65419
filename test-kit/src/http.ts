// Servers on loopback and a raw HTTP client, shared by every test folder.
import * as http from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Listening {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  url: string;
  server: http.Server;
  /** Drops open connections (keep-alive, hung streams) and waits until the server is closed. */
  close(): Promise<void>;
}

/** Serves `app` (an Express app or any request listener, or a server made elsewhere) on a free loopback port. */
export async function listen(app: http.RequestListener | http.Server): Promise<Listening> {
  const server = app instanceof http.Server ? app : http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Like `listen`, with each request's body read whole (as UTF-8 text) before `answer` sees it. */
export function listenReading(
  answer: (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void,
): Promise<Listening> {
  return listen((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => answer(req, Buffer.concat(chunks).toString('utf8'), res));
  });
}

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** Reads a response whole. */
export function readAnswer(res: http.IncomingMessage): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () =>
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        text: Buffer.concat(chunks).toString('utf8'),
      }),
    );
    res.on('error', reject);
  });
}

export interface SendOptions {
  method?: string;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
  /** Default: a new connection per request. */
  agent?: http.Agent | false;
}

/**
 * One request through node:http: the target goes out as given (latin1 bytes, odd percent-encoding), repeated
 * headers as repeated lines, the body as exact bytes. `target` is a path, or a full URL whose path is used.
 */
export function send(base: string, target: string, options: SendOptions = {}): Promise<Answer> {
  const { hostname, port } = new URL(base);
  const { method = 'GET', headers = {}, body, agent = false } = options;
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port, method, path: target, headers, agent }, (res) => {
      readAnswer(res).then(resolve, reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** POSTs `body` as JSON to `url`, on a new connection unless `agent` is given. */
export function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
  agent: http.Agent | false = false,
): Promise<Answer> {
  const { origin, pathname, search } = new URL(url);
  return send(origin, pathname + search, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    agent,
  });
}

/** The problem with an admin error answer's shape `{ "error": { "type", "message" } }`, or undefined. */
export function errorShapeProblem(answer: Answer): string | undefined {
  if (!String(answer.headers['content-type'] ?? '').startsWith('application/json'))
    return `content-type ${String(answer.headers['content-type'])}`;
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    return 'not JSON';
  }
  const error = (body as { error?: { type?: unknown; message?: unknown } } | null)?.error;
  if (typeof error?.type !== 'string' || typeof error.message !== 'string')
    return `body ${answer.text.slice(0, 200)}`;
  return undefined;
}
