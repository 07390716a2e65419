import { checkUpstreams, upstreamsFromEnv } from '../src/upstream';

describe('upstreamsFromEnv', () => {
  it('configures a provider only when its API key is set, with the public base URL by default', () => {
    expect(upstreamsFromEnv({})).toEqual({});
    expect(upstreamsFromEnv({ OPENAI_API_KEY: 'sk-1', ANTHROPIC_BASE_URL: 'http://x' })).toEqual({
      openai: { baseUrl: 'https://api.openai.com/v1', apiKey: 'sk-1' },
    });
    expect(
      upstreamsFromEnv({ ANTHROPIC_API_KEY: 'sk-ant', ANTHROPIC_BASE_URL: 'http://127.0.0.1:9/' }).anthropic,
    ).toEqual({ baseUrl: 'http://127.0.0.1:9/', apiKey: 'sk-ant' });
  });
});

describe('checkUpstreams', () => {
  it('refuses a bad base URL, an empty key and an unknown provider by name', () => {
    expect(() => checkUpstreams({ openai: { baseUrl: 'api.openai.com', apiKey: 'k' } })).toThrow(
      /upstream\.openai\.baseUrl/,
    );
    expect(() => checkUpstreams({ anthropic: { baseUrl: 'http://x', apiKey: '' } })).toThrow(
      /upstream\.anthropic\.apiKey/,
    );
    expect(() => checkUpstreams({ gemini: { baseUrl: 'http://x', apiKey: 'k' } } as never)).toThrow(
      /upstream\.gemini/,
    );
  });
});
