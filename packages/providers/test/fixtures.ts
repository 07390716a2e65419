// Shared by the tests: the provider fixtures and a loopback server for the SDK clients.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import type { SseRoute } from '../src/sse';

// The provider payloads are committed at the repository root (copied from shared/fixtures).
export const FIXTURES = path.resolve(__dirname, '../../../fixtures');

export function fixtureText(name: string): string {
  return readFileSync(path.join(FIXTURES, name), 'utf8');
}

export function fixtureJson(name: string): unknown {
  return JSON.parse(fixtureText(name));
}

export const OPENAI_CHAT: SseRoute = { provider: 'openai', endpoint: 'chat.completions' };
export const OPENAI_RESPONSES: SseRoute = { provider: 'openai', endpoint: 'responses' };
export const ANTHROPIC_MESSAGES: SseRoute = { provider: 'anthropic', endpoint: 'messages' };
export const GEMINI_STREAM: SseRoute = { provider: 'gemini', endpoint: 'streamGenerateContent' };
/** What the route of `:streamGenerateContent?alt=sse` and of `:generateContent` says: one endpoint. */
export const GEMINI_CONTENT: SseRoute = { provider: 'gemini', endpoint: 'generateContent' };

export const STREAM_FIXTURES: { file: string; route: SseRoute }[] = [
  { file: 'openai/chat-completion.stream.sse', route: OPENAI_CHAT },
  { file: 'openai/chat-completion-tools.stream.sse', route: OPENAI_CHAT },
  { file: 'openai/responses-reasoning-tools.stream.sse', route: OPENAI_RESPONSES },
  { file: 'anthropic/messages.stream.sse', route: ANTHROPIC_MESSAGES },
  { file: 'anthropic/messages-thinking-tools.stream.sse', route: ANTHROPIC_MESSAGES },
  { file: 'gemini/streamGenerateContent.sse', route: GEMINI_STREAM },
  { file: 'gemini/streamGenerateContent-thinking-tools.sse', route: GEMINI_CONTENT },
];

/** A loopback server answering every request with `body()` (an event stream unless told); counts requests. */
export interface SseServer {
  url: string;
  requests: number;
  /** What `read` returns, checking it cost exactly one request (the SDK neither retried nor refetched). */
  oneRequest<R>(read: () => Promise<R>): Promise<R>;
  close(): Promise<void>;
}

export async function startSseServer(
  body: () => string,
  contentType = 'text/event-stream',
): Promise<SseServer> {
  const state = { requests: 0 };
  const server: Server = createServer((req, res) => {
    state.requests++;
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-cache' });
      res.end(body());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return state.requests;
    },
    async oneRequest(read) {
      const before = state.requests;
      const result = await read();
      expect(state.requests).toBe(before + 1);
      return result;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/**
 * One test per named original answer: `serve` has the loopback server send it (converted to SSE) before `check`
 * reads it back with an official client, so each SDK test states only its conversion and its checks.
 */
export function eachServedAnswer<T>(
  title: string,
  cases: ReadonlyArray<[string, T]>,
  serve: (original: T) => void,
  check: (original: T) => Promise<void>,
): void {
  it.each(cases)(title, async (_name, original) => {
    serve(original);
    await check(original);
  });
}
