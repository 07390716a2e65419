import { seededRandom } from '@gatecache/core';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { routeOf } from '@gatecache/providers';
import {
  createKeyer,
  defaultKey,
  FIELD_RULES,
  KEY_FORMAT_VERSION,
  ROUTE_CREDENTIALS,
  type KeyRequest,
  type KeyResult,
  type Keyer,
} from '../src';
import { fixture } from './fixtures';

const SECRET = 'test-tenant-secret';
const keyer = createKeyer({ tenantSecret: SECRET });
const auth = { authorization: 'Bearer sk-tenant-one-SECRET' };
const chat = fixture('openai/chat-completion.request.json');
const chatStream = fixture('openai/chat-completion.stream.request.json');
const anthropic = fixture('anthropic/messages.request.json');
const gemini = fixture('gemini/generateContent.request.json');
const embeddings = fixture('openai/embeddings.request.json');
const responses = fixture('openai/responses.request.json');
const ANTHROPIC_HEADERS = { 'x-api-key': 'sk-ant-SECRET', 'anthropic-version': '2023-06-01' };

const post = (url: string, body: unknown, headers: KeyRequest['headers'] = auth): KeyRequest => ({
  method: 'POST',
  url,
  headers,
  body,
});
const keyOf = (r: KeyRequest): string => keyer.key(r).key;

describe('createKeyer().key', () => {
  it("builds 'response:{provider}:{endpoint}:{model}:{tenant}:{params_hash}' for the fixtures", () => {
    const shape = /^response:[a-z]+:[A-Za-z.]+:[A-Za-z0-9._%-]+:[0-9a-f]{16}:[0-9a-f]{64}$/;
    const results: KeyResult[] = [
      keyer.key(post('/v1/chat/completions', chat)),
      keyer.key(post('/v1/embeddings', embeddings)),
      keyer.key(post('/anthropic/v1/messages', anthropic, ANTHROPIC_HEADERS)),
      keyer.key(post('/v1beta/models/gemini-2.0-flash:generateContent?key=AIza-SECRET', gemini, {})),
    ];
    for (const r of results) {
      expect(r.key).toMatch(shape);
      expect(r.namespace).toBe('response');
      expect(r.key).toBe(
        ['response', r.route.provider, r.route.endpoint, r.route.model, r.tenant, r.paramsHash].join(':'),
      );
    }
    expect(results[3].route.model).toBe('gemini-2.0-flash');
  });

  it('is stable for one request and matches defaultKey', () => {
    const r = post('/v1/chat/completions', chat);
    expect(keyOf(r)).toBe(keyOf(structuredClone(r)));
    expect(defaultKey(r, { tenantSecret: SECRET })).toEqual(keyer.key(r));
    expect(keyer.route(r)).toEqual(routeOf(r));
  });

  it('hashes the key format version with the request', () => {
    expect(KEY_FORMAT_VERSION).toBe(1);
    const e = keyer.explain(post('/v1/chat/completions', chat));
    expect(JSON.parse(e.canonical)).toMatchObject({ v: 1, method: 'POST', provider: 'openai' });
    expect(createHash('sha256').update(e.canonical).digest('hex')).toBe(e.paramsHash);
  });

  it('changes with a parameter it has never heard of (no silent allow-list)', () => {
    const base = keyOf(post('/v1/chat/completions', chat));
    expect(keyOf(post('/v1/chat/completions', { ...chat, brand_new_option: 'high' }))).not.toBe(base);
    expect(keyOf(post('/v1/chat/completions', { ...chat, parallel_tool_calls: false }))).not.toBe(base);
  });

  it('keeps an odd model name as one escaped key field', () => {
    const r = keyer.key(post('/v1/chat/completions', { ...chat, model: 'ft:gpt-4o:org:custom/x*1' }));
    expect(r.key.split(':')).toHaveLength(6);
    expect(r.key.split(':')[3]).toBe('ft%3Agpt-4o%3Aorg%3Acustom%2Fx%2A1');
    expect(r.route.model).toBe('ft:gpt-4o:org:custom/x*1');
    expect(r.key).not.toMatch(/[\s*?[\]\\/]/);
  });

  it("uses 'none' as the model when the body names none", () => {
    expect(keyer.key(post('/v1/moderations', { input: 'x' })).key.split(':')[3]).toBe('none');
  });

  it('keys an unknown endpoint on method, path and the whole body, without the path in clear', () => {
    const r = post('/v1/images/generations', { model: 'dall-e-3', prompt: 'a cat', user: 'u1' });
    const k = keyer.key(r);
    expect(k.key).toMatch(/^response:unknown:unknown:dall-e-3:[0-9a-f]{16}:[0-9a-f]{64}$/);
    expect(k.key).not.toContain('images');
    expect(keyOf({ ...r, body: { ...(r.body as object), user: 'u2' } })).not.toBe(k.key);
    expect(keyOf({ ...r, url: '/v1/images/edits' })).not.toBe(k.key);
    expect(keyOf({ ...r, method: 'PUT' })).not.toBe(k.key);
  });

  it('separates two mounts of the same endpoint', () => {
    expect(keyOf(post('/v1/chat/completions', chat))).not.toBe(
      keyOf(post('/groq/v1/chat/completions', chat)),
    );
  });
});

describe('tenant scope', () => {
  const req = (headers: KeyRequest['headers']): KeyRequest => post('/v1/chat/completions', chat, headers);

  it('gives two credentials two keys by default', () => {
    const a = keyer.key(req({ authorization: 'Bearer sk-a' }));
    const b = keyer.key(req({ authorization: 'Bearer sk-b' }));
    expect(a.tenant).not.toBe(b.tenant);
    expect(a.key).not.toBe(b.key);
    expect(a.paramsHash).toBe(b.paramsHash);
  });

  it('gives one API key one tenant in any credential header', () => {
    const tenants = new Set(
      [{ authorization: 'Bearer sk-a' }, { 'api-key': 'sk-a' }, { 'x-api-key': 'sk-a' }].map(
        (h) => keyer.key(req(h)).tenant,
      ),
    );
    expect(tenants.size).toBe(1);
  });

  it("is 'anon' without a credential", () => {
    expect(keyer.key(req({})).tenant).toBe('anon');
  });

  it("shares one key between tenants with scope 'global'", () => {
    const global = createKeyer({ scope: 'global', tenantSecret: SECRET });
    const a = global.key(req({ authorization: 'Bearer sk-a' }));
    const b = global.key(req({ authorization: 'Bearer sk-b' }));
    expect(a.key).toBe(b.key);
    expect(a.tenant).toBe('global');
  });

  it('hashes the string a scope function returns', () => {
    const byOrg = createKeyer({ tenantSecret: SECRET, scope: (r) => String(r.headers['x-org'] ?? '') });
    const a = byOrg.key(req({ 'x-org': 'acme', authorization: 'Bearer sk-a' }));
    const b = byOrg.key(req({ 'x-org': 'acme', authorization: 'Bearer sk-b' }));
    const c = byOrg.key(req({ 'x-org': 'globex' }));
    expect(a.key).toBe(b.key);
    expect(a.tenant).toMatch(/^[0-9a-f]{16}$/);
    expect(a.tenant).not.toBe(c.tenant);
    expect(byOrg.key(req({})).tenant).toBe('anon');
    const bad = createKeyer({ scope: () => 42 as never });
    expect(() => bad.key(req({}))).toThrow(/scope/);
  });

  it('changes every tenant hash with the tenant secret', () => {
    const other = createKeyer({ tenantSecret: 'another-secret' });
    expect(other.key(req(auth)).tenant).not.toBe(keyer.key(req(auth)).tenant);
  });

  it('takes the Gemini ?key= as the credential and keeps it out of the hash', () => {
    const url = (k: string): string => `/v1beta/models/gemini-2.0-flash:generateContent?key=${k}`;
    const a = keyer.key(post(url('AIza-one'), gemini, {}));
    const b = keyer.key(post(url('AIza-two'), gemini, {}));
    expect(a.tenant).not.toBe(b.tenant);
    expect(a.paramsHash).toBe(b.paramsHash);
  });

  it('takes the tenant from the credential the route provider reads, not from headers it ignores', () => {
    const openai = (h: KeyRequest['headers']): string => keyer.key(req(h)).tenant;
    const real = { authorization: 'Bearer sk-real' };
    const minted = new Set(
      Array.from({ length: 50 }, (_, i) =>
        openai({ ...real, 'x-api-key': `r${i}`, 'api-key': `r${i}`, 'x-goog-api-key': `r${i}` }),
      ),
    );
    expect([...minted]).toEqual([openai(real)]);
    const anthropic = (h: KeyRequest['headers']): string =>
      keyer.key(post('/anthropic/v1/messages', { model: 'claude-3-5-haiku-latest' }, h)).tenant;
    expect(anthropic({ 'x-api-key': 'ak', 'api-key': 'r1' })).toBe(
      anthropic({ 'x-api-key': 'ak', 'api-key': 'r2' }),
    );
    expect(anthropic({ 'x-api-key': 'ak' })).not.toBe(anthropic({ 'x-api-key': 'ak2' }));
    const geminiUrl = '/v1beta/models/gemini-2.0-flash:generateContent?key=AIza-one';
    const g = (h: KeyRequest['headers']): string => keyer.key(post(geminiUrl, gemini, h)).tenant;
    expect(g({ 'x-api-key': 'r1' })).toBe(g({ 'x-api-key': 'r2' }));
    const azure = (h: KeyRequest['headers']): string =>
      keyer.key(post('/openai/deployments/gpt4o/chat/completions?api-version=2024-10-21', chat, h)).tenant;
    expect(azure({ 'api-key': 'az', 'x-api-key': 'r1' })).toBe(azure({ 'api-key': 'az', 'x-api-key': 'r2' }));
  });

  it('falls back to any credential header when the route provider finds none of its own', () => {
    // An OpenAI-compatible server that authenticates with x-api-key must not put all its callers in 'anon'.
    const a = keyer.key(req({ 'x-api-key': 'sk-a' })).tenant;
    const b = keyer.key(req({ 'x-api-key': 'sk-b' })).tenant;
    expect(a).not.toBe('anon');
    expect(a).not.toBe(b);
  });

  it('lists where each provider reads its credential', () => {
    expect(ROUTE_CREDENTIALS.openai.headers).toEqual(['authorization']);
    expect(ROUTE_CREDENTIALS.gemini.query).toEqual(['key']);
    expect(ROUTE_CREDENTIALS.unknown.headers).toContain('x-api-key');
  });
});

describe('stream in and out of the key', () => {
  it('gives a streamed and a plain OpenAI chat completion one key (fixtures)', () => {
    const a = keyer.key(post('/v1/chat/completions', chat));
    const b = keyer.key(post('/v1/chat/completions', chatStream));
    expect(a.key).toBe(b.key);
    expect([a.route.streaming, b.route.streaming]).toEqual([false, true]);
  });

  it('gives a streamed and a plain Anthropic message one key', () => {
    const plain = keyOf(post('/v1/messages', anthropic, ANTHROPIC_HEADERS));
    expect(keyOf(post('/v1/messages', { ...anthropic, stream: true }, ANTHROPIC_HEADERS))).toBe(plain);
  });

  it('gives a streamed and a plain Responses request one key (fixture)', () => {
    const plain = keyer.key(post('/v1/responses', responses));
    const streamed = keyer.key(
      post('/v1/responses', { ...responses, stream: true, stream_options: { include_obfuscation: false } }),
    );
    expect(streamed.key).toBe(plain.key);
    expect([plain.route.streaming, streamed.route.streaming]).toEqual([false, true]);
  });

  it('keeps stream and stream_options in the key where no converter exists', () => {
    const cases: Array<[string, Record<string, unknown>]> = [
      ['/v1/completions', { model: 'gpt-3.5-turbo-instruct', prompt: 'hi' }],
      ['/openai/deployments/d/chat/completions?api-version=2024-10-21', chat],
    ];
    for (const [url, body] of cases) {
      const plain = keyOf(post(url, body));
      const streamed = keyOf(post(url, { ...body, stream: true }));
      expect(streamed).not.toBe(plain);
      expect(keyOf(post(url, { ...body, stream: false }))).toBe(plain);
      expect(keyOf(post(url, { ...body, stream: true, stream_options: { include_usage: true } }))).not.toBe(
        streamed,
      );
    }
  });

  it('gives Gemini generateContent and its SSE stream one key, and the JSON-array stream its own', () => {
    const [plain, array, sse] = [
      '/v1beta/models/g:generateContent',
      '/v1beta/models/g:streamGenerateContent',
      '/v1beta/models/g:streamGenerateContent?alt=sse',
    ].map((u) => keyOf(post(u, gemini)));
    expect(sse).toBe(plain);
    expect(array).not.toBe(plain);
  });
});

describe('provider specifics', () => {
  it('puts the Azure api-version and deployment in the key', () => {
    const url = (dep: string, v: string): string =>
      `/openai/deployments/${dep}/chat/completions?api-version=${v}`;
    const a = keyer.key(post(url('gpt4o-prod', '2024-10-21'), chat));
    expect(a.route.model).toBe('gpt4o-prod');
    expect(a.key.split(':')[3]).toBe('gpt4o-prod');
    expect(keyOf(post(url('gpt4o-prod', '2025-01-01-preview'), chat))).not.toBe(a.key);
    expect(keyOf(post(url('gpt4o-test', '2024-10-21'), chat))).not.toBe(a.key);
  });

  it('takes the Gemini model from the path', () => {
    const a = keyer.key(post('/v1beta/models/gemini-2.0-flash:generateContent', gemini));
    const b = keyer.key(post('/v1beta/models/gemini-2.5-pro:generateContent', gemini));
    expect(a.key.split(':')[3]).toBe('gemini-2.0-flash');
    expect(a.key).not.toBe(b.key);
  });

  it('puts anthropic-version and anthropic-beta in the key, beta order aside', () => {
    const url = '/anthropic/v1/messages';
    const base = keyOf(post(url, anthropic, ANTHROPIC_HEADERS));
    const v2 = keyOf(post(url, anthropic, { ...ANTHROPIC_HEADERS, 'anthropic-version': '2024-01-01' }));
    const beta = (b: string): string =>
      keyOf(post(url, anthropic, { ...ANTHROPIC_HEADERS, 'anthropic-beta': b }));
    expect(v2).not.toBe(base);
    expect(beta('a-1,b-2')).not.toBe(base);
    expect(beta('b-2, a-1')).toBe(beta('a-1,b-2'));
  });

  it('puts openai-beta and configured vary headers in the key', () => {
    const withRegion = createKeyer({ tenantSecret: SECRET, varyHeaders: ['x-region'] });
    const r = (h: KeyRequest['headers']): string =>
      withRegion.key(post('/v1/chat/completions', chat, { ...auth, ...h })).key;
    expect(r({ 'x-region': 'eu' })).not.toBe(r({ 'x-region': 'us' }));
    expect(r({ 'openai-beta': 'assistants=v2' })).not.toBe(r({}));
    expect(keyOf(post('/v1/chat/completions', chat, { ...auth, 'x-region': 'eu' }))).toBe(
      keyOf(post('/v1/chat/completions', chat)),
    );
  });

  it('applies field overrides per endpoint', () => {
    const withUser = createKeyer({
      tenantSecret: SECRET,
      fields: { 'openai:chat.completions': { include: ['user'] } },
    });
    const k = (u: string): string => withUser.key(post('/v1/chat/completions', { ...chat, user: u })).key;
    expect(k('u1')).not.toBe(k('u2'));
    const noSeed = createKeyer({ tenantSecret: SECRET, fields: { '*': { exclude: ['seed'] } } });
    const s = (seed: number): string => noSeed.key(post('/v1/chat/completions', { ...chat, seed })).key;
    expect(s(1)).toBe(s(2));
  });

  it('pins the provider from a function', () => {
    const pinned = createKeyer({ provider: (r) => (r.url.startsWith('/azure/') ? 'azure' : 'openai') });
    expect(pinned.key(post('/azure/openai/v1/chat/completions', chat)).route.provider).toBe('azure');
    expect(pinned.route(post('/v1/chat/completions', chat)).provider).toBe('openai');
  });
});

describe("the provider's own prompt cache", () => {
  it('ignores prompt_cache_key and prompt_cache_retention on every OpenAI and Azure endpoint', () => {
    const azure = createKeyer({ tenantSecret: SECRET, provider: 'azure' });
    const cases: Array<[Keyer, string, Record<string, unknown>]> = [
      [keyer, '/v1/chat/completions', chat],
      [keyer, '/v1/completions', { model: 'gpt-3.5-turbo-instruct', prompt: 'hi' }],
      [keyer, '/v1/responses', responses],
      [azure, '/openai/deployments/d/chat/completions?api-version=2024-10-21', chat],
      [azure, '/openai/deployments/d/completions?api-version=2024-10-21', { prompt: 'hi' }],
      [azure, '/openai/v1/responses?api-version=preview', responses],
    ];
    for (const [k, url, body] of cases) {
      const { prompt_cache_key: _k, ...bare } = body;
      const plain = k.key(post(url, bare)).key;
      const hinted = { ...bare, prompt_cache_key: 'team-7', prompt_cache_retention: '24h' };
      expect(`${url} ${k.key(post(url, hinted)).key}`).toBe(`${url} ${plain}`);
      expect(k.explain(post(url, hinted)).excluded).toEqual(
        expect.arrayContaining(['prompt_cache_key', 'prompt_cache_retention']),
      );
    }
  });

  it('ignores Anthropic cache_control on system, tool, message and tool_result blocks, and at top level', () => {
    const url = '/anthropic/v1/messages';
    const mark = { type: 'ephemeral', ttl: '1h' };
    const body = (marked: boolean): Record<string, unknown> => {
      const m = (block: Record<string, unknown>) => (marked ? { ...block, cache_control: mark } : block);
      return {
        model: 'claude-sonnet-4-5',
        max_tokens: 256,
        ...(marked ? { cache_control: { type: 'ephemeral' } } : {}),
        system: [m({ type: 'text', text: 'You are a geography assistant.' })],
        tools: [m({ name: 'get_weather', input_schema: { type: 'object' } })],
        messages: [
          { role: 'user', content: [m({ type: 'text', text: 'Weather in Paris?' })] },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'tu_1', name: 'get_weather', input: {} }] },
          {
            role: 'user',
            content: [
              m({ type: 'tool_result', tool_use_id: 'tu_1', content: [m({ type: 'text', text: 'Sunny' })] }),
            ],
          },
        ],
      };
    };
    const plain = keyer.explain(post(url, body(false), ANTHROPIC_HEADERS));
    const marked = keyer.explain(post(url, body(true), ANTHROPIC_HEADERS));
    expect(marked.key).toBe(plain.key);
    expect(marked.fields).toEqual(plain.fields);
    expect(marked.excluded).toEqual([
      'cache_control',
      'messages[].cache_control',
      'system[].cache_control',
      'tools[].cache_control',
    ]);
    expect(plain.excluded).toEqual([]);
    // The text itself still keys: only the marker is dropped.
    const other = body(true);
    (other.system as Record<string, unknown>[])[0].text = 'You are a history assistant.';
    expect(keyOf(post(url, other, ANTHROPIC_HEADERS))).not.toBe(plain.key);
  });

  it('leaves the request body untouched', () => {
    const system = [{ type: 'text', text: 'x', cache_control: { type: 'ephemeral' } }];
    const body = { model: 'claude-sonnet-4-5', max_tokens: 1, system, messages: [] };
    keyer.key(post('/v1/messages', body, ANTHROPIC_HEADERS));
    expect(system[0].cache_control).toEqual({ type: 'ephemeral' });
  });
});

describe('objects an account owns', () => {
  const global = createKeyer({ scope: 'global', tenantSecret: SECRET });
  const as = (key: string, body: Record<string, unknown>): KeyResult =>
    global.key(post('/v1/responses', body, { authorization: `Bearer ${key}` }));

  it.each([
    ['previous_response_id', { ...responses, store: false, previous_response_id: 'resp_1' }],
    [
      'a stored prompt',
      { model: 'gpt-4.1', store: false, prompt: { id: 'pmpt_1', version: '3' }, input: 'hi' },
    ],
  ])('scopes %s by credential even with global scope', (_name, body) => {
    const a = as('sk-a', body);
    const b = as('sk-b', body);
    expect(a.tenant).toMatch(/^[0-9a-f]{16}$/);
    expect(a.key).not.toBe(b.key);
    expect(as('sk-a', body).key).toBe(a.key);
    expect(a.tenant).toBe(keyer.key(post('/v1/responses', body, { authorization: 'Bearer sk-a' })).tenant);
  });

  it('scopes a stored Responses answer by credential: its id is only good for the account that asked', () => {
    const { store: _store, ...byDefault } = responses;
    for (const body of [responses, byDefault]) {
      expect(as('sk-a', body).key).not.toBe(as('sk-b', body).key);
    }
  });

  it('keeps self-contained requests global', () => {
    const unstored = { ...responses, store: false };
    expect(as('sk-a', unstored).key).toBe(as('sk-b', unstored).key);
    expect(as('sk-a', unstored).tenant).toBe('global');
    const chatA = global.key(
      post('/v1/chat/completions', { ...chat, store: true }, { authorization: 'Bearer a' }),
    );
    expect(chatA.tenant).toBe('global');
  });
});

describe('deeply nested bodies', () => {
  const nested = (depth: number): unknown =>
    JSON.parse(`{"model":"m","messages":${'['.repeat(depth)}${']'.repeat(depth)}}`);

  it('refuses a body nested 5,000 levels (10 KB) with a TypeError, not a stack overflow', () => {
    const req = post('/v1/chat/completions', nested(5000));
    expect(() => keyer.key(req)).toThrow(TypeError);
    expect(() => keyer.key(req)).toThrow(/nested deeper than 512 levels/);
    expect(() => keyer.explain(req)).toThrow(TypeError);
  });

  it('keys a body nested 500 levels', () => {
    expect(keyer.key(post('/v1/chat/completions', nested(500))).key).toMatch(/^response:openai:/);
  });

  it('refuses a cyclic body with a TypeError', () => {
    const body: Record<string, unknown> = { model: 'm' };
    body.messages = [body];
    expect(() => keyer.key(post('/v1/chat/completions', body))).toThrow(TypeError);
  });
});

describe('model list keys', () => {
  const get = (url: string, headers: KeyRequest['headers']): KeyRequest => ({ method: 'GET', url, headers });

  it("builds 'models:{provider}:{base_url_hash}' in the models namespace", () => {
    const r = keyer.key(get('/v1/models', auth));
    expect(r.key).toMatch(/^models:openai:[0-9a-f]{64}$/);
    expect(r.namespace).toBe('models');
    expect(r.key).toBe(keyOf(get('/v1/models', { ...auth })));
    expect(keyer.key(get('/anthropic/v1/models', ANTHROPIC_HEADERS)).key).toMatch(/^models:anthropic:/);
  });

  it('gives each tenant, mount and anthropic-version its own list', () => {
    const base = keyOf(get('/anthropic/v1/models', ANTHROPIC_HEADERS));
    expect(
      keyOf(get('/anthropic/v1/models', { ...ANTHROPIC_HEADERS, 'x-api-key': 'sk-ant-other' })),
    ).not.toBe(base);
    expect(
      keyOf(get('/anthropic/v1/models', { ...ANTHROPIC_HEADERS, 'anthropic-version': '2024-01-01' })),
    ).not.toBe(base);
    expect(keyOf(get('/other/v1/models', ANTHROPIC_HEADERS))).not.toBe(base);
    expect(keyOf(get('/anthropic/v1/models?limit=5', ANTHROPIC_HEADERS))).not.toBe(base);
  });

  it('shares one list between tenants only with global scope', () => {
    const global = createKeyer({ scope: 'global' });
    expect(global.key(get('/v1/models', { authorization: 'Bearer a' })).key).toBe(
      global.key(get('/v1/models', { authorization: 'Bearer b' })).key,
    );
  });
});

describe('createKeyer().explain', () => {
  it('shows the included fields canonically, the excluded names and the vary values', () => {
    const e = keyer.explain(post('/v1/chat/completions?trace=1', { ...chatStream, metadata: { a: 1 } }));
    expect(Object.keys(e.fields)).toEqual(['max_tokens', 'messages', 'model', 'temperature']);
    expect(Object.keys((e.fields.messages as object[])[0])).toEqual(['content', 'role']);
    expect(e.excluded).toEqual(['metadata', 'stream', 'stream_options']);
    expect(e.vary).toEqual({ prefix: '/v1', 'query:trace': '1' });
    expect(e.version).toBe(KEY_FORMAT_VERSION);
    expect(e.key).toBe(keyOf(post('/v1/chat/completions?trace=1', chat)));
  });

  it('never contains a raw credential or a body secret', () => {
    const reqs: KeyRequest[] = [
      post('/v1/chat/completions', chat, { authorization: 'Bearer sk-RAW-1', cookie: 'session=RAW-2' }),
      post('/anthropic/v1/messages', anthropic, { 'x-api-key': 'RAW-3', 'anthropic-version': '2023-06-01' }),
      post('/v1beta/models/g:generateContent?key=RAW-4', gemini, { 'x-goog-api-key': 'RAW-5' }),
      post('/openai/deployments/d/chat/completions?api-version=1&api-key=RAW-6', {
        messages: [],
        data_sources: [
          { type: 'azure_search', parameters: { authentication: { type: 'api_key', key: 'RAW-7' } } },
        ],
      }),
      post('/v1/unknown/thing?access_token=RAW-8', { password: 'RAW-9' }, { 'api-key': 'RAW-10' }),
      { method: 'GET', url: '/v1/models', headers: { authorization: 'Bearer RAW-11' } },
    ];
    for (const r of reqs) {
      const text = JSON.stringify(keyer.explain(r));
      expect(text).not.toMatch(/RAW-\d/);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------
// Properties. A request body is written out as JSON text with shuffled keys, odd whitespace and other
// spellings of the same numbers, then parsed as a gateway would.

function respell(n: number, r: () => number): string {
  const s = JSON.stringify(n);
  const variants = [s];
  if (/e/i.test(s)) {
    variants.push(s.replace('e', 'E'));
    if (!s.includes('.')) variants.push(s.replace(/e/i, '.0e'));
  } else if (s.includes('.')) {
    variants.push(s + '0', s + '000');
  } else {
    variants.push(s + '.0', s + 'e0', s + '.00E+0');
    if (n !== 0 && n % 10 === 0 && Number.isSafeInteger(n)) variants.push(`${n / 10}e1`);
  }
  return variants[Math.floor(r() * variants.length)];
}

function writeJson(value: unknown, r: () => number): string {
  const ws = (): string => [' ', '', '\n', '\t ', ''][Math.floor(r() * 5)];
  if (typeof value === 'number') return respell(value, r);
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${ws()}${value.map((v) => writeJson(v, r)).join(`,${ws()}`)}${ws()}]`;
  const keys = Object.keys(value).filter((k) => (value as Record<string, unknown>)[k] !== undefined);
  for (let i = keys.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [keys[i], keys[j]] = [keys[j], keys[i]];
  }
  const parts = keys.map(
    (k) => `${ws()}${JSON.stringify(k)}${ws()}:${ws()}${writeJson((value as Record<string, unknown>)[k], r)}`,
  );
  return `{${parts.join(',')}${ws()}}`;
}

interface Case {
  id: string;
  url: string;
  headers: KeyRequest['headers'];
  body: Record<string, unknown>;
}

const CASES: Case[] = [
  { id: 'openai:chat.completions', url: '/v1/chat/completions', headers: auth, body: chat },
  {
    id: 'openai:chat.completions',
    url: '/v1/chat/completions',
    headers: auth,
    body: fixture('openai/chat-completion-tools.request.json'),
  },
  { id: 'openai:embeddings', url: '/v1/embeddings', headers: auth, body: embeddings },
  {
    id: 'openai:responses',
    url: '/v1/responses',
    headers: auth,
    body: { model: 'gpt-4.1', input: 'hi', store: false },
  },
  { id: 'anthropic:messages', url: '/anthropic/v1/messages', headers: ANTHROPIC_HEADERS, body: anthropic },
  {
    id: 'gemini:generateContent',
    url: '/v1beta/models/gemini-2.0-flash:generateContent',
    headers: {},
    body: gemini,
  },
  {
    id: 'azure:chat.completions',
    url: '/openai/deployments/d/chat/completions?api-version=2024-10-21',
    headers: auth,
    body: chat,
  },
  {
    id: 'unknown:unknown',
    url: '/v1/images/generations',
    headers: auth,
    body: { model: 'dall-e-3', prompt: 'a cat', n: 1 },
  },
];

const json = fc.jsonValue({ maxDepth: 3 });
// Extra top-level fields with names that no rule lists, so they are in the key everywhere.
const extras = fc.dictionary(
  fc.string({ minLength: 1, maxLength: 8 }).map((s) => `x_${s}`),
  json,
  { maxKeys: 4 },
);
const caseArb = fc.constantFrom(...CASES);
const excludedNames = (c: Case): readonly string[] => FIELD_RULES[c.id].exclude;
const canon = (v: unknown): string => JSON.stringify(JSON.parse(JSON.stringify(v ?? null)));

describe('key properties', () => {
  it('gives equal requests one key in any field order, whitespace and number spelling', () => {
    fc.assert(
      fc.property(caseArb, extras, fc.integer(), (c, extra, seed) => {
        const body = { ...c.body, ...extra };
        const respelled = JSON.parse(writeJson(body, seededRandom(seed))) as unknown;
        expect(keyOf(post(c.url, respelled, c.headers))).toBe(keyOf(post(c.url, body, c.headers)));
      }),
    );
  });

  it('gives another key when any field in the key changes', () => {
    fc.assert(
      fc.property(caseArb, extras, fc.nat(), json, (c, extra, pickIndex, next) => {
        const body: Record<string, unknown> = { ...c.body, ...extra };
        const included = Object.keys(body).filter((k) => !excludedNames(c).includes(k) && body[k] !== null);
        const field = included[pickIndex % included.length];
        // A top-level null means 'not given', and so does stream: false where stream is in the key.
        fc.pre(next !== null && !(field === 'stream' && next === false));
        fc.pre(canon(next) !== canon(body[field]));
        const changed = { ...body };
        Object.defineProperty(changed, field, {
          value: next,
          enumerable: true,
          writable: true,
          configurable: true,
        });
        expect(keyOf(post(c.url, changed, c.headers))).not.toBe(keyOf(post(c.url, body, c.headers)));
      }),
    );
  });

  it('keeps the key when only excluded fields change', () => {
    const withExcludes = CASES.filter((c) => excludedNames(c).length > 0);
    fc.assert(
      fc.property(
        fc.constantFrom(...withExcludes),
        extras,
        fc.array(json, { minLength: 1, maxLength: 8 }),
        (c, extra, values) => {
          const body = { ...c.body, ...extra };
          const noisy: Record<string, unknown> = { ...body };
          excludedNames(c).forEach((name, i) => {
            noisy[name] = values[i % values.length];
          });
          expect(keyOf(post(c.url, noisy, c.headers))).toBe(keyOf(post(c.url, body, c.headers)));
        },
      ),
    );
  });
});

describe('keyer memos', () => {
  const chat = (authorization: string) => ({
    method: 'POST',
    url: '/v1/chat/completions',
    headers: { authorization },
    body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
  });

  it('gives each credential its own tenant, the same for a repeat, with many credentials in between', () => {
    const keyer = createKeyer({ memoSize: 0, tenantSecret: 's' });
    const first = keyer.key(chat('Bearer sk-0')).tenant;
    for (let i = 1; i < 1500; i++) expect(keyer.key(chat(`Bearer sk-${i}`)).tenant).not.toBe(first);
    expect(keyer.key(chat('Bearer sk-0')).tenant).toBe(first);
    expect(first).toBe(createKeyer({ memoSize: 0, tenantSecret: 's' }).key(chat('Bearer sk-0')).tenant);
  });

  it('matches a remembered path afresh for what the query or headers decide', () => {
    const keyer = createKeyer();
    const gemini = (url: string) => keyer.route({ method: 'POST', url, headers: {}, body: { contents: [] } });
    expect(gemini('/v1beta/models/gemini-2.0-flash:streamGenerateContent').streaming).toBe(true);
    expect(gemini('/v1beta/models/gemini-2.0-flash:generateContent').streaming).toBe(false);
    expect(gemini('/v1beta/models/gemini-2.0-flash:generateContent?alt=sse').streaming).toBe(true);
    expect(gemini('/v1beta/models/gemini-2.0-flash:generateContent').streaming).toBe(false);
    // A model list's provider comes from headers: the same path, asked twice, answers per request.
    const models = (headers: Record<string, string>) =>
      keyer.route({ method: 'GET', url: '/v1/models', headers });
    expect(models({ 'x-api-key': 'k' }).provider).toBe('anthropic');
    expect(models({ authorization: 'Bearer k' }).provider).toBe('openai');
    expect(models({ 'x-api-key': 'k' }).provider).toBe('anthropic');
  });
});
