import { randomBytes } from 'node:crypto';
import type * as http from 'node:http';
import { gzipSync } from 'node:zlib';
import { clockedCache } from './helpers/clock';
import { rawRequest, until } from './helpers/gateway';
import type { Gateway } from './helpers/gateway';
import { countKeys, gate, useGateways } from './helpers/harness';
import { fixtureJson } from './helpers/upstream';

// maxEntryBytes: an answer over it passes through, streamed, byte for byte, is not held past the cap, is not
// stored, and Cache-Status says so.

const CAP = 64 * 1024;
const chatRequest = fixtureJson('openai/chat-completion.request.json');
const AUTH = { authorization: 'Bearer sk-test-1' };
const PATH = '/v1/chat/completions';
const handlers = ['hpm', 'fetch'] as const;

const h = useGateways({ middleware: { limits: { entryBytes: CAP } } });
const gateway = h.gateway;

/** A chat completion whose text is `size` bytes of random base64 (nothing in it compresses or repeats). */
function largeJson(size: number): Buffer {
  return Buffer.from(
    JSON.stringify({
      id: 'chatcmpl-large',
      object: 'chat.completion',
      model: 'gpt-4o-mini',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: randomBytes(size).toString('base64').slice(0, size) },
          finish_reason: 'stop',
        },
      ],
      usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 },
    }),
  );
}

/** A complete chat stream of about `size` bytes of random text in 1 KB deltas, ending with [DONE]. */
function largeStream(size: number): Buffer {
  const events: string[] = [];
  for (let n = 0; n < size; n += 1024) {
    const text = randomBytes(768).toString('base64');
    events.push(`data: {"choices":[{"index":0,"delta":{"content":"${text}"},"finish_reason":null}]}\n\n`);
  }
  events.push('data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n', 'data: [DONE]\n\n');
  return Buffer.from(events.join(''));
}

/** Answers every request with `body` in 16 KB writes, with or without a Content-Length. */
function answerWith(
  body: Buffer,
  contentType: string,
  declared: boolean,
  extra: http.OutgoingHttpHeaders = {},
): void {
  h.upstream.override = async (_req, res) => {
    res.writeHead(200, {
      'content-type': contentType,
      ...(declared ? { 'content-length': body.length } : {}),
      ...extra,
    });
    for (let at = 0; at < body.length; at += 16 * 1024) {
      res.write(body.subarray(at, at + 16 * 1024));
      await new Promise((r) => setImmediate(r));
    }
    res.end();
  };
}

const KINDS = [
  { kind: 'JSON', type: 'application/json', make: largeJson, stream: false },
  { kind: 'SSE', type: 'text/event-stream', make: largeStream, stream: true },
] as const;

describe('an answer larger than maxEntryBytes', () => {
  const cases = handlers.flatMap((handler) =>
    KINDS.flatMap((k) => [true, false].map((declared) => ({ handler, declared, ...k }))),
  );
  it.each(cases)(
    'passes through byte for byte and is not stored ($handler, $kind, Content-Length: $declared)',
    async ({ handler, declared, type, make, stream }) => {
      const g = await gateway({ handler });
      const notStored: string[] = [];
      g.mw.events.on('not-stored', (e: { reason: string }) => notStored.push(e.reason));
      const body = make(4 * CAP);
      answerWith(body, type, declared);
      const request = { ...chatRequest, stream };
      const first = await rawRequest(`${g.url}${PATH}`, { body: request, headers: AUTH });
      expect(first.status).toBe(200);
      expect(first.aborted).toBe(false);
      expect(first.raw.equals(body)).toBe(true);
      // A declared length tells at the head (the fetch handler drops it: fetch may decode the body).
      if (declared && handler === 'hpm')
        expect(first.headers['cache-status']).toBe('gatecache; fwd=miss; detail=too-large');
      await until(() => notStored.length === 1);
      expect(notStored).toEqual(['too-large']);

      const second = await rawRequest(`${g.url}${PATH}`, { body: request, headers: AUTH });
      expect(second.headers['x-cache']).toBe('MISS');
      // Known from the first answer now, whether or not the length is declared.
      expect(second.headers['cache-status']).toBe('gatecache; fwd=miss; detail=too-large');
      expect(second.raw.equals(body)).toBe(true);
      await until(() => notStored.length === 2);
      expect(h.upstream.calls).toBe(2);
      expect(g.mw.stats().stored).toBe(0);
      expect(await countKeys(g.cache)).toBe(0);
    },
  );

  it.each(handlers)('stores an answer of exactly maxEntryBytes (%s)', async (handler) => {
    const g = await gateway({ handler });
    const base = largeJson(1000);
    // Pad the JSON with spaces to the cap exactly: still a valid chat completion.
    const body = Buffer.concat([base, Buffer.alloc(CAP - base.length, ' ')]);
    answerWith(body, 'application/json', false);
    await rawRequest(`${g.url}${PATH}`, { body: chatRequest, headers: AUTH });
    await until(() => g.mw.stats().stored === 1);
    const hit = await rawRequest(`${g.url}${PATH}`, { body: chatRequest, headers: AUTH });
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.raw.equals(body)).toBe(true);
  });

  it('gives every coalesced follower the whole answer live; a request after the cap goes upstream itself', async () => {
    const g = await gateway();
    const body = largeStream(8 * CAP);
    let open: () => void = () => undefined;
    const held = new Promise<void>((r) => (open = r));
    let passedCap!: () => void;
    const capPassed = new Promise<void>((r) => (passedCap = r));
    let resume!: () => void;
    const resumed = new Promise<void>((r) => (resume = r));
    h.upstream.override = async (_req, res) => {
      const first = h.upstream.calls === 1;
      if (first) await held;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (let at = 0; at < body.length; at += 16 * 1024) {
        res.write(body.subarray(at, at + 16 * 1024));
        // The first call pauses past the cap until the late request has come and gone h.upstream.
        if (first && at > 2 * CAP && at <= 2 * CAP + 16 * 1024) {
          passedCap();
          await resumed;
        }
        await new Promise((r) => setImmediate(r));
      }
      res.end();
    };
    const request = { ...chatRequest, stream: true };
    const all = [1, 2, 3].map(() => rawRequest(`${g.url}${PATH}`, { body: request, headers: AUTH }));
    await until(() => g.mw.stats().waiting === 2);
    open();
    await capPassed;
    await new Promise((r) => setTimeout(r, 50));
    const late = await rawRequest(`${g.url}${PATH}`, { body: request, headers: AUTH });
    resume();
    for (const a of await Promise.all(all)) expect(a.raw.equals(body)).toBe(true);
    expect(late.raw.equals(body)).toBe(true);
    expect(h.upstream.calls).toBe(2);
    expect(g.mw.stats()).toMatchObject({ collapsed: 2, stored: 0 });
  });

  it('does not store a compressed answer whose decoded body passes the cap, and passes its bytes on', async () => {
    const g = await gateway();
    const notStored: string[] = [];
    g.mw.events.on('not-stored', (e: { reason: string }) => notStored.push(e.reason));
    // 64 KB of zeros in the text: a few hundred bytes on the wire, 4x the cap once decoded.
    const decoded = Buffer.from(
      JSON.stringify({
        id: 'chatcmpl-zip',
        object: 'chat.completion',
        choices: [{ index: 0, message: { role: 'assistant', content: '0'.repeat(4 * CAP) } }],
      }),
    );
    const wire = gzipSync(decoded);
    expect(wire.length).toBeLessThan(CAP);
    answerWith(wire, 'application/json', true, { 'content-encoding': 'gzip' });
    const got = await rawRequest(`${g.url}${PATH}`, {
      body: chatRequest,
      headers: { ...AUTH, 'accept-encoding': 'gzip' },
    });
    expect(got.raw.equals(wire)).toBe(true);
    await until(() => notStored.length === 1);
    expect(notStored).toEqual(['too-large']);
    expect(await countKeys(g.cache)).toBe(0);
  });

  it('does not let a large error answer keep the next answer for the key from being stored', async () => {
    const g = await gateway();
    const page = Buffer.from('x'.repeat(2 * CAP));
    h.upstream.override = (_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end(page);
    };
    const failed = await rawRequest(`${g.url}${PATH}`, { body: chatRequest, headers: AUTH });
    expect(failed.status).toBe(502);
    expect(failed.raw.equals(page)).toBe(true);
    await until(() => g.mw.stats().notStored === 1);
    answerWith(largeJson(100), 'application/json', false);
    const again = await rawRequest(`${g.url}${PATH}`, { body: chatRequest, headers: AUTH });
    expect(again.headers['cache-status']).toBe('gatecache; fwd=miss');
    await until(() => g.mw.stats().stored === 1);
  });

  it('stores the next answer for the key again when its declared length fits', async () => {
    const g = await gateway();
    answerWith(largeJson(2 * CAP), 'application/json', false);
    await rawRequest(`${g.url}${PATH}`, { body: chatRequest, headers: AUTH });
    await until(() => g.mw.stats().notStored === 1);
    const small = largeJson(100);
    answerWith(small, 'application/json', true);
    const again = await rawRequest(`${g.url}${PATH}`, { body: chatRequest, headers: AUTH });
    expect(again.headers['cache-status']).toBe('gatecache; fwd=miss');
    await until(() => g.mw.stats().stored === 1);
    const hit = await rawRequest(`${g.url}${PATH}`, { body: chatRequest, headers: AUTH });
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.raw.equals(small)).toBe(true);
  });
  it('lets later requests join the call that replaced a too-large one, also after that one ended', async () => {
    const g = await gateway();
    const large = largeStream(4 * CAP);
    const small = largeStream(CAP / 4);
    let passedCap!: () => void;
    const capPassed = new Promise<void>((r) => (passedCap = r));
    const firstHeld = gate();
    const secondHeld = gate();
    h.upstream.override = async (_req, res) => {
      const first = h.upstream.calls === 1;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (!first) await secondHeld.wait;
      const body = first ? large : small;
      for (let at = 0; at < body.length; at += 16 * 1024) {
        res.write(body.subarray(at, at + 16 * 1024));
        if (first && at > CAP && at <= CAP + 16 * 1024) {
          passedCap();
          await firstHeld.wait;
        }
        await new Promise((r) => setImmediate(r));
      }
      res.end();
    };
    const request = { ...chatRequest, stream: true };
    const send = () => rawRequest(`${g.url}${PATH}`, { body: request, headers: AUTH });
    const first = send();
    await capPassed;
    // Past the cap the first call is unlisted: this request leads a call of its own.
    const second = send();
    await until(() => h.upstream.calls === 2);
    firstHeld.open();
    expect((await first).raw.equals(large)).toBe(true);
    // The first call's end must not unlist the second one, which this request joins.
    const third = send();
    await until(() => g.mw.stats().waiting === 1);
    secondHeld.open();
    for (const a of await Promise.all([second, third])) expect(a.raw.equals(small)).toBe(true);
    expect(h.upstream.calls).toBe(2);
  });
});

describe('the keys whose last answer was too large', () => {
  /** Answers each request with an undeclared length: `size` bytes of stream. */
  function streamOf(size: number): Buffer {
    const body = largeStream(size);
    answerWith(body, 'text/event-stream', false);
    return body;
  }
  const ask = (g: Gateway, n = 0) =>
    rawRequest(`${g.url}${PATH}`, {
      body: { ...chatRequest, stream: true, messages: [{ role: 'user', content: `question ${n}` }] },
      headers: AUTH,
    });

  it('are remembered for ten minutes, then an answer for the key is held and stored again', async () => {
    const { cache, clock } = clockedCache({});
    const g = await gateway({ cache });
    streamOf(2 * CAP);
    await ask(g);
    await until(() => g.mw.stats().notStored === 1);
    streamOf(CAP / 4);
    clock.advance(10 * 60_000 - 1);
    expect((await ask(g)).headers['cache-status']).toBe('gatecache; fwd=miss; detail=too-large');
    clock.advance(10 * 60_000);
    expect((await ask(g)).headers['cache-status']).toBe('gatecache; fwd=miss');
    await until(() => g.mw.stats().stored === 1);
  });

  it('are at most 1024: the oldest is forgotten first', async () => {
    const g = await gateway({ middleware: { limits: { entryBytes: 1024 } } });
    streamOf(4096);
    for (let n = 0; n <= 1024; n += 128) {
      const batch = Array.from({ length: Math.min(128, 1025 - n) }, (_, i) => ask(g, n + i));
      await Promise.all(batch);
    }
    await until(() => g.mw.stats().notStored === 1025);
    streamOf(0);
    expect((await ask(g, 1024)).headers['cache-status']).toBe('gatecache; fwd=miss; detail=too-large');
    expect((await ask(g, 0)).headers['cache-status']).toBe('gatecache; fwd=miss');
  }, 30_000);
});
