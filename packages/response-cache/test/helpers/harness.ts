// What the tests over real HTTP share: a fixture upstream per test, gateways in front of it closed after the
// test, the usual requests, and the small controls (a gate, a client that hangs up, an endless stream).
import * as http from 'node:http';
import type { Cache } from '@gatecache/core';
import { rawRequest, startGateway } from './gateway';
import type { Gateway, GatewayOptions } from './gateway';
import { fixture, fixtureJson, startUpstream } from './upstream';
import type { Upstream } from './upstream';

export const CHAT_PATH = '/v1/chat/completions';
export const AUTH = { authorization: 'Bearer sk-test-1' };
export const chatRequest = fixtureJson('openai/chat-completion.request.json');
export const chatAnswer = fixtureJson('openai/chat-completion.response.json');
export const chatStream = fixture('openai/chat-completion.stream.sse');
export const streamRequest = { ...chatRequest, stream: true };

export interface Harness {
  /** The fixture upstream of the running test. */
  readonly upstream: Upstream;
  /** A gateway in front of that upstream (the harness defaults under `options`), closed after the test. */
  gateway(options?: Partial<GatewayOptions>): Promise<Gateway>;
  /** POSTs `body` to the chat route of `gw` with the test credential. */
  chat(gw: Gateway, body?: unknown, headers?: http.OutgoingHttpHeaders): ReturnType<typeof rawRequest>;
}

/** Starts a fixture upstream before each test of the file, and closes it and its gateways after each. */
export function useGateways(defaults: Partial<GatewayOptions> = {}): Harness {
  const gateways: Gateway[] = [];
  let upstream: Upstream | undefined;
  beforeEach(async () => {
    upstream = await startUpstream();
  });
  afterEach(async () => {
    await Promise.all(gateways.splice(0).map((g) => g.close()));
    await upstream?.close();
    upstream = undefined;
  });
  const harness: Harness = {
    get upstream(): Upstream {
      if (!upstream) throw new Error('useGateways: the upstream runs only inside a test');
      return upstream;
    },
    async gateway(options = {}) {
      const gw = await startGateway({
        upstream: harness.upstream.url,
        ...defaults,
        ...options,
        middleware: { ...defaults.middleware, ...options.middleware },
      });
      gateways.push(gw);
      return gw;
    },
    chat: (gw, body = chatRequest, headers = {}) =>
      rawRequest(`${gw.url}${CHAT_PATH}`, { body, headers: { ...AUTH, ...headers } }),
  };
  return harness;
}

/** Holds whatever awaits `wait` until `open()`: requests pile up behind the first one. */
export function gate(): { wait: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const wait = new Promise<void>((r) => (open = r));
  return { wait, open };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function countKeys(cache: Cache): Promise<number> {
  let n = 0;
  for await (const _key of cache.keys()) n++;
  return n;
}

/**
 * A client that will hang up: `when` 'sent' right after its request is written, 'head' when the response
 * head arrives, a number once it got that many body bytes; or never by itself (`hangUp()` at any time).
 */
export function leaving(
  url: string,
  body: unknown,
  headers: http.OutgoingHttpHeaders,
  when?: 'sent' | 'head' | number,
): { gone: Promise<void>; hangUp: () => void } {
  let hangUp: () => void = () => undefined;
  const gone = new Promise<void>((resolve) => {
    const req = http.request(url, {
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'application/json', ...headers },
    });
    hangUp = () => {
      req.destroy();
      resolve();
    };
    req.on('response', (res) => {
      if (when === 'head') return hangUp();
      let got = 0;
      res.on('data', (c: Buffer) => {
        got += c.length;
        if (typeof when === 'number' && got >= when) hangUp();
      });
    });
    req.on('error', () => resolve());
    req.end(JSON.stringify(body), () => {
      if (when === 'sent') hangUp();
    });
  });
  return { gone, hangUp };
}

/**
 * Makes `upstream` answer with a chat stream that goes on (an event every `everyMs`) until its connection is
 * cut; `cut` resolves with the time of the cut.
 */
export function endlessStream(
  upstream: Upstream,
  everyMs = 20,
  headers: http.OutgoingHttpHeaders = {},
): { cut: Promise<number>; sent: () => number } {
  let sent = 0;
  let cut: (at: number) => void = () => undefined;
  const cutAt = new Promise<number>((r) => (cut = r));
  upstream.override = async (_req, res) => {
    res.on('close', () => {
      if (!res.writableFinished) cut(Date.now());
    });
    res.writeHead(200, { 'content-type': 'text/event-stream', ...headers });
    while (!res.destroyed && sent < 2000) {
      res.write(`data: {"choices":[{"index":0,"delta":{"content":"${sent}"}}]}\n\n`);
      sent++;
      await sleep(everyMs);
    }
    res.end();
  };
  return { cut: cutAt, sent: () => sent };
}
