import { brotliCompressSync, deflateRawSync, gzipSync } from 'node:zlib';
import { createKeyer } from '@gatecache/cache-key';
import { buildEntry, decodeBody, streamRefusal } from '../src/entry';
import { parseSse } from '../src/sse';
import { fixture, fixtureJson } from './helpers/upstream';

const keyer = createKeyer();
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

describe('decodeBody', () => {
  it('decodes gzip, br and raw or wrapped deflate', () => {
    const text = Buffer.from('hello');
    expect(decodeBody(gzipSync(text), 'gzip')?.toString()).toBe('hello');
    expect(decodeBody(brotliCompressSync(text), 'br')?.toString()).toBe('hello');
    expect(decodeBody(deflateRawSync(text), 'deflate')?.toString()).toBe('hello');
    expect(decodeBody(text, 'identity')).toBe(text);
    expect(decodeBody(text, 'compress')).toBeUndefined();
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
