import { createCache, createKeyring } from '@gatecache/core';
import type { Recipe } from '@gatecache/providers';
import { responseCache } from '../src';
import { rawRequest, until } from './helpers/gateway';
import type { Gateway } from './helpers/gateway';
import { useGateways } from './helpers/harness';
import { fixtureJson } from './helpers/upstream';

const chatRequest = fixtureJson('openai/chat-completion.request.json');
const messagesRequest = fixtureJson('anthropic/messages.request.json');
const SECRETS = ['sk-client-secret-1', 'anthropic-secret-2', 'azure-secret-3', 'session=abc', 'tok-4'];

describe('recipes.headers', () => {
  it('rejects a credential header in the recipes.headers option at creation', () => {
    expect(() => responseCache({ cache: createCache(), recipes: { headers: ['x-api-key'] } })).toThrow(
      /recipes\.headers/,
    );
  });
});

describe('responseCache recipes', () => {
  const h = useGateways();
  let gw: Gateway | undefined;

  async function storedRecipe(key: string): Promise<Recipe | undefined> {
    const entry = await gw!.cache.get(key, { record: false });
    return entry?.extra?.recipe as Recipe | undefined;
  }

  it('stores a recipe with every answer and never a client credential', async () => {
    gw = await h.gateway();
    const openai = await rawRequest(`${gw.url}/v1/chat/completions`, {
      headers: {
        authorization: 'Bearer sk-client-secret-1',
        cookie: 'session=abc',
        'openai-beta': 'assistants=v2',
      },
      body: chatRequest,
    });
    const anthropic = await rawRequest(`${gw.url}/anthropic/v1/messages`, {
      headers: { 'x-api-key': 'anthropic-secret-2', 'anthropic-version': '2023-06-01' },
      body: messagesRequest,
    });
    const models = await rawRequest(`${gw.url}/v1/models`, { headers: { 'api-key': 'azure-secret-3' } });
    const keys = [openai, anthropic, models].map((r) => r.headers['x-gatecache-key'] as string);
    await until(async () => (await Promise.all(keys.map((k) => gw!.cache.has(k)))).every(Boolean));
    const [a, b, c] = await Promise.all(keys.map(storedRecipe));
    expect(a).toMatchObject({
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { 'openai-beta': 'assistants=v2' },
    });
    expect(b).toMatchObject({
      path: '/anthropic/v1/messages',
      headers: { 'anthropic-version': '2023-06-01' },
    });
    expect(c).toEqual({ v: 1, method: 'GET', path: '/v1/models', headers: {} });
    const everything = JSON.stringify([a, b, c]);
    for (const secret of SECRETS) expect(everything).not.toContain(secret);
    expect(everything).not.toMatch(/authorization|x-api-key|"api-key"|cookie/i);
  });

  it('stores a recipe whose path has no credential query parameter', async () => {
    gw = await h.gateway();
    const res = await rawRequest(
      `${gw.url}/v1/chat/completions?api_key=tok-4&Key=tok-4&api%2Dkey=tok-4&user_tag=a&key=tok-4`,
      { headers: { authorization: 'Bearer sk-client-secret-1' }, body: chatRequest },
    );
    const key = res.headers['x-gatecache-key'] as string;
    await until(() => gw!.cache.has(key));
    const recipe = await storedRecipe(key);
    expect(recipe?.path).toBe('/v1/chat/completions?user_tag=a');
    expect(JSON.stringify(recipe)).not.toContain('tok-4');
  });

  it('stores no recipe when recordRecipes is false or the namespace is encrypted', async () => {
    gw = await h.gateway({ middleware: { recipes: { record: false } } });
    const off = await rawRequest(`${gw.url}/v1/chat/completions`, {
      headers: { authorization: 'Bearer k' },
      body: chatRequest,
    });
    const key = off.headers['x-gatecache-key'] as string;
    await until(() => gw!.cache.has(key));
    expect(await storedRecipe(key)).toBeUndefined();
    await gw.close();
    const keyring = createKeyring({ k1: Buffer.alloc(32, 7) }, 'k1');
    gw = await h.gateway({
      cache: createCache({ keyring, namespaces: { response: { encrypt: true } } }),
    });
    const enc = await rawRequest(`${gw.url}/v1/chat/completions`, {
      headers: { authorization: 'Bearer k' },
      body: chatRequest,
    });
    const encKey = enc.headers['x-gatecache-key'] as string;
    await until(() => gw!.cache.has(encKey));
    expect(await storedRecipe(encKey)).toBeUndefined();
  });
});
