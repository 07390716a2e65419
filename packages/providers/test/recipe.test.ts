import type { IncomingMessage } from 'node:http';
import { buildRecipe, isSecretHeader } from '../src';
import type { BodyRequest } from '../src';
import { fixtureJson } from './fixtures';

const chatRequest = fixtureJson('openai/chat-completion.request.json');
const SECRETS = ['sk-client-secret-1', 'anthropic-secret-2', 'azure-secret-3', 'session=abc', 'tok-4'];

function fakeRequest(headers: Record<string, string>, body?: unknown): BodyRequest {
  const raw = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return {
    method: 'POST',
    url: '/chat/completions',
    originalUrl: '/v1/chat/completions',
    headers,
    ...(raw ? { rawBody: raw, body } : {}),
  } as unknown as IncomingMessage as BodyRequest;
}

describe('buildRecipe', () => {
  it('keeps method, path, body and the allow-listed headers, and no credential', () => {
    const recipe = buildRecipe(
      fakeRequest(
        {
          'content-type': 'application/json',
          'anthropic-version': '2023-06-01',
          authorization: 'Bearer sk-client-secret-1',
          'x-api-key': 'anthropic-secret-2',
          'api-key': 'azure-secret-3',
          cookie: 'session=abc',
          'x-custom': 'kept only when configured',
        },
        chatRequest,
      ),
      new Set(['x-custom']),
      65536,
    );
    expect(recipe).toMatchObject({
      v: 1,
      method: 'POST',
      path: '/v1/chat/completions',
      headers: {
        'content-type': 'application/json',
        'anthropic-version': '2023-06-01',
        'x-custom': 'kept only when configured',
      },
    });
    expect(JSON.parse(Buffer.from(recipe!.body!, 'base64').toString('utf8'))).toEqual(chatRequest);
    const text = JSON.stringify(recipe);
    for (const secret of SECRETS) expect(text).not.toContain(secret);
  });

  it('refuses credential-looking header names even when configured', () => {
    const recipe = buildRecipe(
      fakeRequest({ 'x-goog-api-key': 'tok-4', 'proxy-authorization': 'Basic x' }),
      new Set(['x-goog-api-key', 'proxy-authorization']),
      65536,
    );
    expect(recipe?.headers).toEqual({});
    expect(isSecretHeader('X-Api-Key')).toBe(true);
    expect(isSecretHeader('anthropic-beta')).toBe(false);
  });

  it('removes credential query parameters from the path, in every spelling, and keeps the others', () => {
    const req = fakeRequest({}, chatRequest);
    req.originalUrl =
      '/v1/chat/completions?key=tok-4&api-version=2024-02-01&API_KEY=tok-4&%6Bey=tok-4&access_token=tok-4';
    expect(buildRecipe(req, new Set(), 65536)?.path).toBe('/v1/chat/completions?api-version=2024-02-01');
  });

  it('keeps no recipe for a body that holds a secret field, parsed or raw', () => {
    const azure = {
      ...(chatRequest as object),
      data_sources: [
        { type: 'azure_search', parameters: { authentication: { type: 'api_key', key: 'tok-4' } } },
      ],
    };
    expect(buildRecipe(fakeRequest({}, azure), new Set(), 65536)).toBeUndefined();
    const raw = fakeRequest({}, azure);
    delete raw.body;
    expect(buildRecipe(raw, new Set(), 65536)).toBeUndefined();
    // A prompt that merely mentions a key is not a secret field.
    const mention = fakeRequest(
      {},
      { model: 'm', messages: [{ role: 'user', content: '{"api_key": "x"}' }] },
    );
    delete mention.body;
    expect(buildRecipe(mention, new Set(), 65536)).toBeDefined();
  });

  it('keeps no recipe for a body over the limit', () => {
    expect(buildRecipe(fakeRequest({}, chatRequest), new Set(), 10)).toBeUndefined();
  });
});
