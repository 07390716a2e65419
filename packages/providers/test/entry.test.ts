import { brotliCompressSync, deflateRawSync, gzipSync } from 'node:zlib';
import { parseSse, routeOf, type RouteRequest } from '../src';
import { buildEntry, decodeBody, isTooLarge, streamRefusal } from '../src/entry';
import { fixtureJson, fixtureText as fixture } from './fixtures';

// What buildEntry reads of a cache-key KeyResult: the route and the tenant.
const keyer = { key: (req: RouteRequest) => ({ route: routeOf(req), tenant: 'tenant' }) };
const keyed = keyer.key({
  method: 'POST',
  url: '/v1/chat/completions',
  headers: { authorization: 'Bearer x' },
  body: fixtureJson('openai/chat-completion.request.json'),
});
const json = fixture('openai/chat-completion.response.json');
const sse = fixture('openai/chat-completion.stream.sse');
const args = (status: number, headers: Record<string, string>, body: string | Buffer) => ({
  head: { status, headers },
  chunks: [Buffer.from(body)],
  keyed,
  tags: ['t'],
  extraHeaders: new Set<string>(),
});

describe('buildEntry', () => {
  it('builds a JSON entry with usage and the allow-listed headers', () => {
    const v = buildEntry(args(200, { 'content-type': 'application/json', 'set-cookie-not': 'x' }, json));
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    expect(v.input).toMatchObject({
      kind: 'json',
      status: 200,
      provider: 'openai',
      endpoint: 'chat.completions',
      tags: ['t'],
    });
    expect(v.input.headers).toEqual({ 'content-type': 'application/json' });
    expect(v.input.usage?.inputTokens).toBeGreaterThan(0);
  });

  it('builds an SSE entry only from a complete stream', () => {
    const ok = buildEntry(args(200, { 'content-type': 'text/event-stream' }, sse));
    expect(ok.ok && ok.input.kind).toBe('sse');
    const cut = sse.slice(0, sse.indexOf('[DONE]') - 7);
    expect(buildEntry(args(200, { 'content-type': 'text/event-stream' }, cut))).toEqual({
      ok: false,
      reason: 'stream without its terminal event',
    });
  });

  it('refuses errors, cookies, private answers and broken JSON', () => {
    const refusals = [
      buildEntry(args(500, { 'content-type': 'application/json' }, json)),
      buildEntry(args(200, { 'content-type': 'application/json', 'set-cookie': 'a=b' }, json)),
      buildEntry(args(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }, json)),
      buildEntry(args(200, { 'content-type': 'application/json' }, json.slice(0, 50))),
      buildEntry(args(200, { 'content-type': 'application/json', 'content-encoding': 'compress' }, json)),
    ];
    expect(refusals.map((r) => r.ok)).toEqual([false, false, false, false, false]);
  });
});

describe('buildEntry on long streams (read from their tail when their bytes allow)', () => {
  const sseHead = { 'content-type': 'text/event-stream' };
  const chunk = (i: number) =>
    `data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"word${i} "}}]}\n\n`;
  // About 9 KB of text deltas: well past the tail that is read on its own.
  const deltas = Array.from({ length: 80 }, (_, i) => chunk(i)).join('');
  const done = 'data: [DONE]\n\n';
  const build = (text: string) => buildEntry(args(200, sseHead, text));

  it('stores a complete stream as its exact bytes, without usage when no event names one', () => {
    const text = deltas + done;
    const v = build(text);
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    expect(v.input.kind).toBe('sse');
    expect(Buffer.from(v.input.body).toString()).toBe(text);
    expect(v.input.usage).toBeUndefined();
  });

  it('finds a terminal event that lies before the tail', () => {
    const keepAlives = ': keep-alive\n\n'.repeat(400);
    expect(build(deltas + done + keepAlives).ok).toBe(true);
  });

  it('refuses a long stream cut inside its terminal event or without one', () => {
    expect(build(deltas + 'data: [DONE]\n')).toEqual({
      ok: false,
      reason: 'stream without its terminal event',
    });
    expect(build(deltas)).toEqual({ ok: false, reason: 'stream without its terminal event' });
  });

  it('refuses a long stream with an error anywhere before its end, however it is spelled', () => {
    const plain = 'data: {"error":{"message":"overloaded","type":"server_error"}}\n\n';
    // Every letter escaped: no `rror` nor `error` in the bytes, only the escapes.
    const escaped = 'data: {"\\u0065\\u0072\\u0072\\u006f\\u0072":{"message":"overloaded"}}\n\n';
    for (const error of [plain, escaped]) {
      expect(build(error + deltas + done)).toEqual({ ok: false, reason: 'error event in stream' });
    }
  });

  it('refuses a long Responses stream that failed before it completed', () => {
    const responses = keyer.key({
      method: 'POST',
      url: '/v1/responses',
      headers: { authorization: 'Bearer x' },
      body: { model: 'gpt-4o-mini', input: 'hi', stream: true },
    });
    const failed =
      'event: response.failed\ndata: {"type":"response.failed","response":{"status":"failed"}}\n\n';
    const completed = 'event: response.completed\ndata: {"type":"response.completed","response":{}}\n\n';
    const build = (text: string) => buildEntry({ ...args(200, sseHead, text), keyed: responses });
    expect(build(deltas + completed).ok).toBe(true);
    expect(build(failed + deltas + completed)).toEqual({ ok: false, reason: 'error event in stream' });
  });

  it('judges a long CRLF stream (the line ends Gemini sends) the same way', () => {
    const gemini = keyer.key({
      method: 'POST',
      url: '/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse',
      headers: { 'x-goog-api-key': 'k' },
      body: fixtureJson('gemini/generateContent.request.json'),
    });
    const part = (text: string, finish?: string) =>
      `data: {"candidates":[{"content":{"parts":[{"text":"${text}"}],"role":"model"}` +
      `${finish ? `,"finishReason":"${finish}"` : ''},"index":0}]}\r\n\r\n`;
    const parts = Array.from({ length: 80 }, (_, i) => part(`word${i} `)).join('');
    const build = (text: string) => buildEntry({ ...args(200, sseHead, text), keyed: gemini });
    expect(build(parts + part('end', 'STOP')).ok).toBe(true);
    expect(build(parts)).toEqual({ ok: false, reason: 'stream without its terminal event' });
    expect(build(parts + part('end', 'STOP').slice(0, -2))).toEqual({
      ok: false,
      reason: 'stream without its terminal event',
    });
  });

  it('reads usage from the one chunk that carries it near the end of a long stream', () => {
    // The fixture ends with an include_usage chunk (empty choices) before [DONE].
    const at = sse.indexOf('\n\n') + 2;
    const long = sse.slice(0, at) + deltas + sse.slice(at);
    const short = build(sse);
    const padded = build(long);
    expect(short.ok && padded.ok).toBe(true);
    if (!short.ok || !padded.ok) return;
    expect(short.input.usage?.inputTokens).toBeGreaterThan(0);
    expect(padded.input.usage).toEqual(short.input.usage);
  });

  it('reads usage right when the word is everywhere in the text, and from CRLF blocks', () => {
    // More blocks naming `usage` than are read one by one: the stream is read whole.
    const wordy = Array.from({ length: 12 }, (_, i) => chunk(i).replace('word', 'usage ')).join('');
    const reported = sse.slice(sse.indexOf('\n\n') + 2);
    const plain = build(sse);
    const many = build(sse.slice(0, sse.indexOf('\n\n') + 2) + wordy + deltas + reported);
    expect(plain.ok && many.ok).toBe(true);
    if (!plain.ok || !many.ok) return;
    expect(many.input.usage).toEqual(plain.input.usage);

    const gemini = keyer.key({
      method: 'POST',
      url: '/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse',
      headers: { 'x-goog-api-key': 'k' },
      body: fixtureJson('gemini/generateContent.request.json'),
    });
    const part = (text: string, usage: string, finish = '') =>
      `data: {"candidates":[{"content":{"parts":[{"text":"${text}"}],"role":"model"}${finish},"index":0}]` +
      `${usage}}\r\n\r\n`;
    const counted = (n: number) =>
      `,"usageMetadata":{"promptTokenCount":8,"candidatesTokenCount":${n},"totalTokenCount":${8 + n}}`;
    const text =
      Array.from({ length: 80 }, (_, i) => part(`word${i} `, '')).join('') +
      [1, 2, 3].map((n) => part(`w${n}`, counted(n))).join('') +
      part('end', counted(4), ',"finishReason":"STOP"');
    const v = buildEntry({ ...args(200, sseHead, text), keyed: gemini });
    expect(v.ok && v.input.usage).toEqual({ inputTokens: 8, outputTokens: 4, totalTokens: 12 });
  });

  it('keeps a byte order mark inside the stream part of its block', () => {
    // The tail would begin at the mark; read alone it would be dropped and `data: [DONE]` would count.
    const bomDone = `\uFEFFdata: [DONE]\n: ${'x'.repeat(5000)}\n\n`;
    expect(build(deltas + bomDone)).toEqual({ ok: false, reason: 'stream without its terminal event' });
  });

  it('reads usage from every event that names it, at the start of a stream too', () => {
    const anthropic = fixture('anthropic/messages.stream.sse');
    const pings = 'event: ping\ndata: {"type": "ping"}\n\n'.repeat(200);
    // message_start (input tokens) first, pings, then the rest (output tokens, message_stop).
    const at = anthropic.indexOf('\n\n') + 2;
    const long = anthropic.slice(0, at) + pings + anthropic.slice(at);
    const route = keyer.key({
      method: 'POST',
      url: '/v1/messages',
      headers: { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
      body: fixtureJson('anthropic/messages.request.json'),
    });
    const short = buildEntry({ ...args(200, sseHead, anthropic), keyed: route });
    const padded = buildEntry({ ...args(200, sseHead, long), keyed: route });
    expect(short.ok && padded.ok).toBe(true);
    if (!short.ok || !padded.ok) return;
    expect(short.input.usage?.inputTokens).toBeGreaterThan(0);
    expect(padded.input.usage).toEqual(short.input.usage);
  });
});

describe('decodeBody', () => {
  it('decodes gzip, br and raw or wrapped deflate', () => {
    const text = Buffer.from('hello');
    expect(decodeBody(gzipSync(text), 'gzip')?.toString()).toBe('hello');
    expect(decodeBody(brotliCompressSync(text), 'br')?.toString()).toBe('hello');
    expect(decodeBody(deflateRawSync(text), 'deflate')?.toString()).toBe('hello');
    expect(decodeBody(text, 'identity')).toBe(text);
    expect(decodeBody(text, 'compress')).toBeUndefined();
  });

  it('refuses to build a decoded body over its limit (a small gzip can decode to gigabytes)', () => {
    const bomb = gzipSync(Buffer.alloc(4 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(8 * 1024);
    const tooLarge = (fn: () => unknown): unknown => {
      try {
        fn();
      } catch (err) {
        return isTooLarge(err);
      }
      return 'no error';
    };
    expect(tooLarge(() => decodeBody(bomb, 'gzip', 1024 * 1024))).toBe(true);
    expect(tooLarge(() => decodeBody(deflateRawSync(Buffer.alloc(4096)), 'deflate', 1024))).toBe(true);
    expect(decodeBody(bomb, 'gzip', 4 * 1024 * 1024)?.length).toBe(4 * 1024 * 1024);
  });
});

describe('buildEntry with maxBytes', () => {
  it('refuses a body over maxBytes as too-large, encoded or not, and stores one at the limit', () => {
    const body = Buffer.from(json);
    const head = { 'content-type': 'application/json' };
    expect(buildEntry({ ...args(200, head, json), maxBytes: body.length - 1 })).toEqual({
      ok: false,
      reason: 'too-large',
    });
    const gz = { ...args(200, { ...head, 'content-encoding': 'gzip' }, ''), chunks: [gzipSync(body)] };
    expect(buildEntry({ ...gz, maxBytes: body.length - 1 })).toEqual({ ok: false, reason: 'too-large' });
    expect(buildEntry({ ...args(200, head, json), maxBytes: body.length }).ok).toBe(true);
    expect(buildEntry({ ...gz, maxBytes: body.length }).ok).toBe(true);
  });
});

describe('streamRefusal', () => {
  it('refuses a stream with an error event before its end', () => {
    const route = { provider: 'anthropic', endpoint: 'messages' };
    const events = parseSse(
      'event: error\ndata: {"type":"error","error":{"type":"overloaded_error"}}\n\n' +
        fixture('anthropic/messages.stream.sse'),
    );
    expect(streamRefusal(route, events)).toBe('error event in stream');
    expect(streamRefusal(route, parseSse(fixture('anthropic/messages.stream.sse')))).toBeUndefined();
  });
});

describe('buildEntry on 2xx answers that are errors (vLLM and other OpenAI-compatible servers)', () => {
  const jsonHead = { 'content-type': 'application/json' };
  const sseHead = { 'content-type': 'text/event-stream' };

  it('refuses a 200 JSON body that is an error object, in every known spelling', () => {
    for (const body of [
      { error: { message: 'model overloaded', type: 'server_error' } },
      { object: 'error', message: 'The model `x` does not exist.', type: 'NotFoundError', code: 404 },
      { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
      { error: 'upstream connect error' },
      [{ candidates: [] }, { error: { code: 500, message: 'internal', status: 'INTERNAL' } }],
    ]) {
      expect(buildEntry(args(200, jsonHead, JSON.stringify(body)))).toEqual({
        ok: false,
        reason: 'error object in a 2xx body',
      });
    }
  });

  it('stores an answer whose error member is null (a completed Responses API object)', () => {
    const body = { id: 'resp_1', object: 'response', status: 'completed', error: null, output: [] };
    expect(buildEntry(args(200, jsonHead, JSON.stringify(body))).ok).toBe(true);
    expect(buildEntry(args(200, jsonHead, json)).ok).toBe(true);
  });

  it('refuses a stream with an error payload before [DONE], vLLM style or OpenAI style', () => {
    const first = sse.slice(0, sse.indexOf('\n\n') + 2);
    for (const error of [
      'data: {"object":"error","message":"out of memory","type":"InternalServerError","code":500}\n\n',
      'data: {"error":{"message":"overloaded","type":"server_error"}}\n\n',
    ]) {
      expect(buildEntry(args(200, sseHead, first + error + 'data: [DONE]\n\n'))).toEqual({
        ok: false,
        reason: 'error event in stream',
      });
    }
  });
});
