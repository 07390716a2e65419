import { rawRequest, until } from './helpers/gateway';
import { AUTH, chatRequest, useGateways } from './helpers/harness';
import { fixtureJson, sendJson } from './helpers/upstream';

// Where the provider keeps state (a conversation, a background job, a stored object), a repeat of the same
// request means something else later: it always reaches the provider, and Cache-Status says why.

const h = useGateways();
const responsesRequest = fixtureJson<Record<string, unknown>>('openai/responses.request.json');
const messages = fixtureJson<Record<string, unknown>>('anthropic/messages.request.json');

describe('requests that depend on state the provider keeps', () => {
  it.each([
    ['conversation', { conversation: 'conv_68ab12' }],
    ['background', { background: true }],
    ['container', { tools: [{ type: 'code_interpreter', container: 'cntr_42' }] }],
  ])('%s: every repeat reaches the provider', async (reason, extra) => {
    const gw = await h.gateway();
    h.upstream.override = (_req, res) => sendJson(res, 200, fixtureJson('openai/responses.response.json'));
    for (let i = 0; i < 2; i++) {
      const a = await rawRequest(`${gw.url}/v1/responses`, {
        body: { ...responsesRequest, ...extra },
        headers: AUTH,
      });
      expect(a.status).toBe(200);
      expect(a.headers['x-cache']).toBe('BYPASS');
      expect(a.headers['cache-status']).toBe(`gatecache; fwd=bypass; detail=${reason}`);
    }
    expect(h.upstream.calls).toBe(2);
    expect(gw.mw.stats().stored).toBe(0);
  });

  it('passes calls on stored objects (cancel, a new conversation) through, however often', async () => {
    const gw = await h.gateway();
    for (const path of [
      '/v1/responses/resp_123/cancel',
      '/v1/conversations',
      '/v1/chat/completions/chatcmpl-1',
    ]) {
      for (let i = 0; i < 2; i++) {
        const a = await rawRequest(`${gw.url}${path}`, { body: { metadata: { topic: 'x' } }, headers: AUTH });
        expect([path, a.headers['cache-status']]).toEqual([
          path,
          'gatecache; fwd=bypass; detail=stored-object',
        ]);
      }
    }
    expect(h.upstream.calls).toBe(6);
  });

  it('caches a previous_response_id request per tenant, even under a shared scope', async () => {
    const gw = await h.gateway({ middleware: { key: { scope: 'global' } } });
    h.upstream.override = (_req, res) => sendJson(res, 200, fixtureJson('openai/responses.response.json'));
    const body = { ...responsesRequest, previous_response_id: 'resp_abc', store: false };
    await rawRequest(`${gw.url}/v1/responses`, { body, headers: AUTH });
    await until(() => gw.mw.stats().stored === 1);
    const again = await rawRequest(`${gw.url}/v1/responses`, { body, headers: AUTH });
    expect(again.headers['x-cache']).toBe('HIT');
    const other = await rawRequest(`${gw.url}/v1/responses`, {
      body,
      headers: { authorization: 'Bearer sk-other' },
    });
    expect(other.headers['x-cache']).toBe('MISS');
    expect(h.upstream.calls).toBe(2);
  });
});

describe('answers the provider stores (Responses `store`), under a shared scope', () => {
  it("are served per tenant, so a replayed id is one the provider holds for the asker's account", async () => {
    const gw = await h.gateway({ middleware: { key: { scope: 'global' } } });
    h.upstream.override = (_req, res) => sendJson(res, 200, fixtureJson('openai/responses.response.json'));
    const tenants = [AUTH, { authorization: 'Bearer sk-other' }];
    const ask = (body: unknown, headers: Record<string, string>) =>
      rawRequest(`${gw.url}/v1/responses`, { body, headers });
    // Stored by the provider (store absent means true): each account's own entry.
    for (const headers of tenants)
      expect((await ask(responsesRequest, headers)).headers['x-cache']).toBe('MISS');
    await until(() => gw.mw.stats().stored === 2);
    for (const headers of tenants)
      expect((await ask(responsesRequest, headers)).headers['x-cache']).toBe('HIT');
    // store: false leaves no id to reuse: the shared scope shares it.
    const unstored = { ...responsesRequest, store: false };
    await ask(unstored, tenants[0]!);
    await until(() => gw.mw.stats().stored === 3);
    expect((await ask(unstored, tenants[1]!)).headers['x-cache']).toBe('HIT');
    expect(h.upstream.calls).toBe(3);
  });
});

describe("fields that steer the provider's own prompt cache", () => {
  it('do not split the cache: prompt_cache_key and cache_control placement are hits', async () => {
    const gw = await h.gateway();
    await rawRequest(`${gw.url}/v1/chat/completions`, { body: chatRequest, headers: AUTH });
    await until(() => gw.mw.stats().stored === 1);
    const keyed = {
      ...(chatRequest as object),
      prompt_cache_key: 'tenant-42',
      prompt_cache_retention: '24h',
    };
    const hit = await rawRequest(`${gw.url}/v1/chat/completions`, { body: keyed, headers: AUTH });
    expect(hit.headers['x-cache']).toBe('HIT');

    const anthropic = { 'x-api-key': 'sk-ant-1', 'anthropic-version': '2023-06-01' };
    await rawRequest(`${gw.url}/anthropic/v1/messages`, { body: messages, headers: anthropic });
    await until(() => gw.mw.stats().stored === 2);
    const system = [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }];
    const cached = {
      ...messages,
      system: [{ type: 'text', text: 'Be brief.' }],
    };
    // The same system prompt with and without a cache breakpoint: one key.
    await rawRequest(`${gw.url}/anthropic/v1/messages`, { body: cached, headers: anthropic });
    await until(() => gw.mw.stats().stored === 3);
    const marked = await rawRequest(`${gw.url}/anthropic/v1/messages`, {
      body: { ...messages, system },
      headers: anthropic,
    });
    expect(marked.headers['x-cache']).toBe('HIT');
    expect(h.upstream.calls).toBe(3);
  });

  it('price the tokens a hit saves at what the provider charged, cached prompt tokens discounted', async () => {
    const gw = await h.gateway({
      middleware: { accounting: { pricing: { 'gpt-4o-mini': { input: 1, output: 4 } } } },
    });
    const answer = fixtureJson<Record<string, unknown>>('openai/chat-completion.response.json');
    h.upstream.override = (_req, res) =>
      sendJson(res, 200, {
        ...answer,
        usage: {
          prompt_tokens: 1_000_000,
          completion_tokens: 0,
          total_tokens: 1_000_000,
          prompt_tokens_details: { cached_tokens: 800_000 },
        },
      });
    await rawRequest(`${gw.url}/v1/chat/completions`, { body: chatRequest, headers: AUTH });
    await until(() => gw.mw.stats().stored === 1);
    const hit = await rawRequest(`${gw.url}/v1/chat/completions`, { body: chatRequest, headers: AUTH });
    expect(hit.headers['x-cache']).toBe('HIT');
    // 200k uncached at $1/M and 800k cached at 0.1 x $1/M: $0.28, not the $1 of the full input price.
    expect(gw.mw.stats().saved.costUsd).toBeCloseTo(0.28, 10);
  });
});
