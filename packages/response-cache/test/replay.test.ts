import type { CacheEntry } from '@gatecache/core';
import type { RouteInfo } from '@gatecache/cache-key';
import { canAnswer, prepareAnswer } from '../src/replay';
import { fixture } from './helpers/upstream';

const chat = (streaming: boolean): RouteInfo => ({
  provider: 'openai',
  endpoint: 'chat.completions',
  model: 'gpt-4o-mini',
  streaming,
  streamConvertible: true,
});
const entry = (kind: string, body: string, headers: Record<string, string> = {}) =>
  ({ kind, body: Buffer.from(body), status: 200, headers }) as CacheEntry;

describe('prepareAnswer', () => {
  it('returns stored bytes as they are when the shape matches', () => {
    const body = fixture('openai/chat-completion.response.json');
    const a = prepareAnswer(
      entry('json', body, { 'content-type': 'application/json', 'x-request-id': 'r' }),
      chat(false),
    );
    expect(a?.body.toString()).toBe(body);
    expect(a?.headers).toEqual({ 'content-type': 'application/json', 'x-request-id': 'r' });
  });

  it('turns a JSON entry into an SSE stream for a streaming request', () => {
    const a = prepareAnswer(entry('json', fixture('openai/chat-completion.response.json')), chat(true));
    expect(a?.kind).toBe('sse');
    expect(a?.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(a?.body.toString().trimEnd().endsWith('data: [DONE]')).toBe(true);
  });

  it('turns an SSE entry into JSON for a non-streaming request', () => {
    const a = prepareAnswer(entry('sse', fixture('openai/chat-completion.stream.sse')), chat(false));
    expect(a?.kind).toBe('json');
    expect(JSON.parse(a!.body.toString()).choices[0].message.content).toBe('The capital of France is Paris.');
  });

  it('cannot answer a JSON request from a stream on a route without a converter', () => {
    const gemini: RouteInfo = {
      provider: 'gemini',
      endpoint: 'generateContent',
      model: 'g',
      streaming: false,
      streamConvertible: false,
    };
    expect(canAnswer({ kind: 'sse' }, gemini)).toBe(false);
    expect(prepareAnswer(entry('sse', 'data: x\n\n'), gemini)).toBeUndefined();
  });
});
