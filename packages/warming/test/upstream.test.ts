import { defaultUpstreamPath, upstreamReplay } from '../src';
import { startUpstream } from './helpers/stack';

describe('upstreamReplay', () => {
  it('maps gateway paths to each provider base', () => {
    expect(defaultUpstreamPath('openai', '/v1/chat/completions')).toBe('/chat/completions');
    expect(defaultUpstreamPath('anthropic', '/anthropic/v1/messages')).toBe('/v1/messages');
  });

  it("sends the provider's own credential header and drops any other credential", async () => {
    const up = await startUpstream();
    try {
      const replay = upstreamReplay({ anthropic: { baseUrl: up.url, apiKey: 'gw-anthropic' } }, 5000);
      const answer = await replay(
        {
          v: 1,
          method: 'POST',
          path: '/anthropic/v1/messages',
          body: Buffer.from('{}').toString('base64'),
          headers: {
            'x-api-key': 'client',
            authorization: 'Bearer client',
            'anthropic-version': '2023-06-01',
          },
        },
        { key: 'k', provider: 'anthropic' },
      );
      expect(answer.status).toBe(200);
      const got = up.received[0]!;
      expect(got.url).toBe('/v1/messages');
      expect(got.headers['x-api-key']).toBe('gw-anthropic');
      expect(got.headers.authorization).toBeUndefined();
      expect(got.headers['anthropic-version']).toBe('2023-06-01');
      // A recipe stored before credential parameters were removed: the client's key is not replayed.
      await replay(
        {
          v: 1,
          method: 'POST',
          path: '/anthropic/v1/messages?key=client-key&beta=true&API_KEY=client-key',
          body: Buffer.from('{}').toString('base64'),
          headers: {},
        },
        { key: 'k', provider: 'anthropic' },
      );
      expect(up.received[1]!.url).toBe('/v1/messages?beta=true');
      expect(up.received[1]!.headers['x-api-key']).toBe('gw-anthropic');
      await expect(
        replay({ v: 1, method: 'GET', path: '/v1/models', headers: {} }, { key: 'k', provider: 'openai' }),
      ).rejects.toThrow(/no upstream/);
    } finally {
      await up.close();
    }
  });

  it('stops reading an answer at maxBytes and fails the warm as too large', async () => {
    const up = await startUpstream();
    try {
      const recipe = { v: 1 as const, method: 'GET', path: '/v1/models', headers: {} };
      const capped = upstreamReplay({ openai: { baseUrl: up.url, apiKey: 'gw-openai' } }, 5000, 64);
      await expect(capped(recipe, { key: 'k', provider: 'openai' })).rejects.toThrow(/too-large/);
      const roomy = upstreamReplay({ openai: { baseUrl: up.url, apiKey: 'gw-openai' } }, 5000, 1 << 20);
      expect((await roomy(recipe, { key: 'k', provider: 'openai' })).body.length).toBeGreaterThan(64);
    } finally {
      await up.close();
    }
  });
});
