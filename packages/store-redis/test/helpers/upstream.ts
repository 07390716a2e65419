/**
 * A slow, counting provider stand-in on 127.0.0.1 for the multi-instance tests. JSON answers carry the
 * call's number in `id` (1 for the first: which copy a client got) and echo the prompt (which request it
 * answers); streamed requests get the OpenAI chat stream fixture, one event per write.
 */
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

const STREAM_FIXTURE = '/work/shared/fixtures/openai/chat-completion.stream.sse';

export interface Upstream {
  url: string;
  /** Requests received so far. */
  readonly calls: number;
  close(): Promise<void>;
}

export interface UpstreamOptions {
  /** Wait before answering (ms), so identical requests overlap. */
  delayMs: number;
  /** Wait between stream events (ms). Default 10. */
  eventDelayMs?: number;
}

export const answerTo = (prompt: string): string => `answer to: ${prompt}`;

/** The stream fixture's events, each with its blank-line terminator. */
export function streamEvents(): string[] {
  return readFileSync(STREAM_FIXTURE, 'utf8')
    .split(/\n\n/)
    .filter((e) => e.trim() !== '')
    .map((e) => `${e}\n\n`);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function answer(
  body: { stream?: boolean; messages?: Array<{ content?: string }> },
  call: number,
  res: http.ServerResponse,
  options: UpstreamOptions,
): Promise<void> {
  await sleep(options.delayMs);
  if (body.stream) {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    for (const event of streamEvents()) {
      res.write(event);
      await sleep(options.eventDelayMs ?? 10);
    }
    res.end();
    return;
  }
  const bytes = Buffer.from(
    JSON.stringify({
      id: `chatcmpl-call-${call}`,
      object: 'chat.completion',
      created: 1741570283,
      model: 'gpt-4o-mini',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: answerTo(body.messages?.[0]?.content ?? '') },
          finish_reason: 'stop',
        },
      ],
      usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
    }),
  );
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': bytes.length });
  res.end(bytes);
}

export async function startUpstream(options: UpstreamOptions): Promise<Upstream> {
  let calls = 0;
  const server = http.createServer((req, res) => {
    const call = ++calls;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as object;
      } catch {
        // answer an unreadable body like an empty one
      }
      answer(body, call, res, options).catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get calls() {
      return calls;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
