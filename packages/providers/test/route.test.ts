import { createRouteMemo, routeOf, type RouteInfo, type RouteRequest } from '../src';
import { fixtureJson } from './fixtures';

const fixture = (name: string): Record<string, unknown> => fixtureJson(name) as Record<string, unknown>;

const req = (
  url: string,
  body?: unknown,
  headers: RouteRequest['headers'] = {},
  method = 'POST',
): RouteRequest => ({
  method,
  url,
  headers,
  body,
});
const pick = (r: RouteInfo): string => `${r.provider}:${r.endpoint}:${r.model}`;

describe('routeOf', () => {
  const chat = fixture('openai/chat-completion.request.json');

  it('finds OpenAI endpoints whatever the mount prefix', () => {
    for (const url of [
      '/v1/chat/completions',
      '/chat/completions',
      '/openai/v1/chat/completions',
      '//v1/chat/completions/',
    ]) {
      expect(pick(routeOf(req(url, chat)))).toBe('openai:chat.completions:gpt-4o-mini');
    }
    expect(routeOf(req('/v1/completions', { model: 'gpt-3.5-turbo-instruct' })).endpoint).toBe('completions');
    expect(routeOf(req('/v1/responses', { model: 'gpt-4.1' })).endpoint).toBe('responses');
    expect(routeOf(req('/v1/embeddings', fixture('openai/embeddings.request.json'))).endpoint).toBe(
      'embeddings',
    );
    expect(routeOf(req('/v1/moderations', { input: 'x' })).endpoint).toBe('moderations');
  });

  it('marks only OpenAI chat and Responses, Anthropic messages and Gemini generateContent as stream-convertible', () => {
    expect(routeOf(req('/v1/chat/completions', chat)).streamConvertible).toBe(true);
    expect(routeOf(req('/v1/responses', { model: 'gpt-4.1' })).streamConvertible).toBe(true);
    expect(routeOf(req('/anthropic/v1/messages', { model: 'claude' })).streamConvertible).toBe(true);
    expect(routeOf(req('/v1beta/models/g:generateContent', {})).streamConvertible).toBe(true);
    for (const url of [
      '/v1/completions',
      '/v1/responses/resp_1/cancel',
      '/v1/embeddings',
      '/v1beta/models/g:embedContent',
    ]) {
      expect(routeOf(req(url, {})).streamConvertible).toBe(false);
    }
    const azure = routeOf(req('/openai/deployments/d/chat/completions?api-version=2024-10-21', {}));
    expect(azure.streamConvertible).toBe(false);
  });

  it('recognizes calls on stored objects under any mount, before the Anthropic pattern', () => {
    const stored: [string, string][] = [
      ['GET', '/v1/responses/resp_123'],
      ['DELETE', '/v1/responses/resp_123'],
      ['POST', '/v1/responses/resp_123/cancel'],
      ['GET', '/v1/responses/resp_123/input_items?limit=5'],
      ['POST', '/v1/conversations'],
      ['GET', '/v1/conversations/conv_1'],
      ['POST', '/openai/v1/conversations/conv_1/items'],
      ['DELETE', '/v1/conversations/conv_1/items/msg_1'],
      ['GET', '/v1/chat/completions/chatcmpl-1'],
      ['POST', '/v1/chat/completions/chatcmpl-1'],
      ['GET', '/v1/chat/completions/chatcmpl-1/messages'],
      ['GET', '/v1/chat/completions?limit=10'],
      ['GET', '/v1/responses'],
    ];
    for (const [method, url] of stored) {
      expect(`${method} ${url} ${pick(routeOf(req(url, undefined, {}, method)))}`).toBe(
        `${method} ${url} openai:stored-object:none`,
      );
    }
    // Forced providers: Azure's v1 paths know them too; a forced Anthropic mount does not take them for messages.
    expect(routeOf(req('/openai/v1/responses/resp_1', undefined, {}, 'GET'), 'azure').endpoint).toBe(
      'stored-object',
    );
    expect(routeOf(req('/v1/chat/completions/c1/messages', undefined, {}, 'GET'), 'anthropic').endpoint).toBe(
      'unknown',
    );
  });

  it('leaves create calls and the Responses utility calls alone', () => {
    expect(routeOf(req('/v1/responses', { model: 'gpt-4.1' })).endpoint).toBe('responses');
    expect(routeOf(req('/v1/chat/completions', chat)).endpoint).toBe('chat.completions');
    expect(routeOf(req('/v1/responses/input_tokens', { model: 'gpt-4.1' })).endpoint).toBe('unknown');
    expect(routeOf(req('/v1/responses/compact', { model: 'gpt-4.1' })).endpoint).toBe('unknown');
    expect(routeOf(req('/v1/messages', { model: 'claude' })).endpoint).toBe('messages');
  });

  it('reports a stream request from body.stream', () => {
    expect(
      routeOf(req('/v1/chat/completions', fixture('openai/chat-completion.stream.request.json'))).streaming,
    ).toBe(true);
    expect(routeOf(req('/v1/chat/completions', chat)).streaming).toBe(false);
    expect(routeOf(req('/v1/chat/completions', { ...chat, stream: 'yes' })).streaming).toBe(false);
  });

  it('finds Anthropic messages under any prefix but not OpenAI thread messages', () => {
    const body = fixture('anthropic/messages.request.json');
    expect(pick(routeOf(req('/anthropic/v1/messages', body)))).toBe('anthropic:messages:claude-sonnet-4-5');
    expect(pick(routeOf(req('/v1/messages', body)))).toBe('anthropic:messages:claude-sonnet-4-5');
    expect(routeOf(req('/v1/threads/thread_1/messages', { content: 'x' })).provider).toBe('unknown');
  });

  it('takes the Gemini model and stream mode from the path', () => {
    const body = fixture('gemini/generateContent.request.json');
    const plain = routeOf(req('/v1beta/models/gemini-2.0-flash:generateContent', body));
    expect(plain).toEqual({
      provider: 'gemini',
      endpoint: 'generateContent',
      model: 'gemini-2.0-flash',
      streaming: false,
      streamConvertible: true,
    });
    // The SSE stream is generateContent's answer in chunks: the same endpoint, so one entry for both modes.
    const streamed = routeOf(
      req('/gemini/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse', body),
    );
    expect([streamed.endpoint, streamed.model, streamed.streaming, streamed.streamConvertible]).toEqual([
      'generateContent',
      'gemini-2.0-flash',
      true,
      true,
    ]);
    // Without alt=sse the stream is a JSON array: its own endpoint, not converted.
    const array = routeOf(req('/v1beta/models/gemini-2.0-flash:streamGenerateContent', body));
    expect([array.endpoint, array.streaming, array.streamConvertible]).toEqual([
      'streamGenerateContent',
      true,
      false,
    ]);
    expect(pick(routeOf(req('/v1beta/models/text-embedding-004:embedContent', {})))).toBe(
      'gemini:embedContent:text-embedding-004',
    );
    expect(routeOf(req('/v1beta/tunedModels/my-tune:generateContent', body)).model).toBe(
      'tunedModels/my-tune',
    );
  });

  it('treats alt=sse on generateContent as a stream request', () => {
    expect(routeOf(req('/v1beta/models/g:generateContent?alt=sse', {})).streaming).toBe(true);
  });

  it('takes the Azure deployment as the model', () => {
    const r = routeOf(req('/openai/deployments/prod-gpt4o/chat/completions?api-version=2024-10-21', chat));
    expect(pick(r)).toBe('azure:chat.completions:prod-gpt4o');
    expect(pick(routeOf(req('/openai/deployments/emb%2Fone/embeddings?api-version=1', {})))).toBe(
      'azure:embeddings:emb/one',
    );
  });

  it('tells model lists apart by headers: Anthropic, Gemini, Azure, else OpenAI', () => {
    const get = (url: string, headers: RouteRequest['headers'] = {}): string =>
      pick(routeOf(req(url, undefined, headers, 'GET')));
    expect(get('/v1/models')).toBe('openai:models:none');
    expect(get('/v1/models/ft:gpt-4o:org:1')).toBe('openai:models:ft:gpt-4o:org:1');
    expect(get('/anthropic/v1/models', { 'anthropic-version': '2023-06-01' })).toBe('anthropic:models:none');
    expect(get('/v1/models', { 'x-api-key': 'sk-ant' })).toBe('anthropic:models:none');
    expect(get('/v1/models', { 'x-api-key': 'random', authorization: 'Bearer sk' })).toBe(
      'openai:models:none',
    );
    expect(get('/v1beta/models')).toBe('gemini:models:none');
    expect(get('/openai/models?api-version=2024-10-21')).toBe('azure:models:none');
  });

  it('does not take a POST to a models path for a model list', () => {
    expect(routeOf(req('/v1beta/models/g:countTokens', {})).endpoint).toBe('unknown');
    expect(routeOf(req('/v1/models', {})).endpoint).toBe('unknown');
  });

  it('reports unknown paths as provider and endpoint unknown, with the body model', () => {
    expect(routeOf(req('/v1/images/generations', { model: 'dall-e-3' }))).toEqual({
      provider: 'unknown',
      endpoint: 'unknown',
      model: 'dall-e-3',
      streaming: false,
      streamConvertible: false,
    });
    expect(routeOf(req('/health', undefined, {}, 'GET')).model).toBe('none');
  });

  it('pins the provider when asked, keeping the endpoint the path names', () => {
    expect(pick(routeOf(req('/openai/v1/chat/completions', chat), 'azure'))).toBe(
      'azure:chat.completions:gpt-4o-mini',
    );
    expect(pick(routeOf(req('/v1/messages', { model: 'x' }), 'openai'))).toBe('openai:unknown:x');
    expect(() => routeOf(req('/v1/chat/completions', chat), 'mistral' as never)).toThrow(/provider/);
  });
});

describe('createRouteMemo', () => {
  it('keeps at most `size` paths, dropping the oldest first, across methods', () => {
    const memo = createRouteMemo(3);
    const route = (path: string) => ({
      provider: 'openai' as const,
      endpoint: 'unknown',
      model: undefined,
      path,
      prefix: path,
      streamConvertible: false,
    });
    memo.set('POST', '/a', route('/a'));
    memo.set('GET', '/a', route('/a'));
    memo.set('POST', '/b', route('/b'));
    memo.set('POST', '/b', route('/b'));
    expect(memo.get('GET', '/a')?.path).toBe('/a');
    memo.set('POST', '/c', route('/c'));
    expect(memo.get('POST', '/a')).toBeUndefined();
    expect(memo.get('GET', '/a')?.path).toBe('/a');
    expect(memo.get('POST', '/b')?.path).toBe('/b');
    expect(memo.get('POST', '/c')?.path).toBe('/c');
  });
});
