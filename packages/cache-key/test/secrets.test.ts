import fc from 'fast-check';
import {
  credentialOf,
  hasSecretFields,
  isCredentialParam,
  sealSecrets,
  withoutCredentials,
} from '../src/secrets';

const q = (s = ''): URLSearchParams => new URLSearchParams(s);
const req = (headers: Record<string, string | string[] | undefined>) => ({
  method: 'POST',
  url: '/',
  headers,
});

describe('credentialOf', () => {
  it('gives one credential for one API key whichever header carries it', () => {
    const values = [
      credentialOf(req({ authorization: 'Bearer sk-abc' }), q()),
      credentialOf(req({ authorization: 'bearer  sk-abc ' }), q()),
      credentialOf(req({ 'x-api-key': 'sk-abc' }), q()),
      credentialOf(req({ 'api-key': 'sk-abc' }), q()),
      credentialOf(req({ 'x-goog-api-key': 'sk-abc' }), q()),
      credentialOf(req({}), q('key=sk-abc')),
    ];
    expect(new Set(values)).toEqual(new Set(['sk-abc']));
  });

  it('combines different credentials so any of them changing changes the result', () => {
    const both = credentialOf(req({ authorization: 'Bearer a', 'x-api-key': 'b' }), q());
    expect(both).toBe('a\nb');
    expect(credentialOf(req({ authorization: 'Bearer a', 'x-api-key': 'c' }), q())).not.toBe(both);
  });

  it('is undefined without a credential, and ignores cookies', () => {
    expect(credentialOf(req({ cookie: 'session=1', authorization: '' }), q())).toBeUndefined();
  });
});

describe('sealSecrets', () => {
  const body = {
    messages: [{ role: 'user', content: 'my password is hunter2' }],
    data_sources: [{ parameters: { authentication: { type: 'api_key', key: 'AZ-SECRET' } } }],
    mcp_servers: [{ url: 'https://mcp', authorization_token: 'TOKEN-1' }],
    response_format: {
      json_schema: { schema: { properties: { password: { type: 'string' }, key: { type: 'string' } } } },
    },
  };

  it('replaces secret-named string values by an HMAC and leaves everything else alone', () => {
    const sealed = sealSecrets(body, 's') as typeof body;
    const text = JSON.stringify(sealed);
    expect(text).not.toContain('AZ-SECRET');
    expect(text).not.toContain('TOKEN-1');
    expect(sealed.data_sources[0].parameters.authentication.key).toMatch(/^\[secret:[0-9a-f]{32}\]$/);
    expect(sealed.messages).toBe(body.messages);
    expect(sealed.response_format).toBe(body.response_format);
    expect(body.data_sources[0].parameters.authentication.key).toBe('AZ-SECRET');
  });

  it('still tells two different secrets apart', () => {
    const other = { ...body, mcp_servers: [{ url: 'https://mcp', authorization_token: 'TOKEN-2' }] };
    expect(JSON.stringify(sealSecrets(other, 's'))).not.toBe(JSON.stringify(sealSecrets(body, 's')));
  });

  it('returns the same object when there is nothing to seal', () => {
    const plain = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };
    expect(sealSecrets(plain, 's')).toBe(plain);
  });
});

describe('isCredentialParam', () => {
  it('knows every spelling of the listed credential parameters', () => {
    for (const name of [
      'key',
      'KEY',
      'Key',
      'api_key',
      'API-KEY',
      'apiKey',
      'access_token',
      'Access-Token',
      'key[]',
      ' key',
    ])
      expect([name, isCredentialParam(name)]).toEqual([name, true]);
    for (const name of ['alt', 'api-version', 'keys', 'monkey', 'token_count', ''])
      expect([name, isCredentialParam(name)]).toEqual([name, false]);
  });
});

describe('withoutCredentials', () => {
  const gemini = '/gemini/v1beta/models/gemini-pro:generateContent';

  it('removes credential parameters in every spelling, and keeps the others byte for byte', () => {
    expect(withoutCredentials(`${gemini}?key=AIzaSECRET&alt=sse`)).toBe(`${gemini}?alt=sse`);
    expect(withoutCredentials('/v1/x?api-version=2024-02-01&api_key=s1&KEY=s2&%6Bey=s3&Api%5FKey=s4')).toBe(
      '/v1/x?api-version=2024-02-01',
    );
    expect(withoutCredentials('/v1/x?key=s1&key=s2&access_token=s3&key[]=s4')).toBe('/v1/x');
    expect(withoutCredentials('/v1/x?a=%20b&&c')).toBe('/v1/x?a=%20b&&c');
    expect(withoutCredentials('/v1/x')).toBe('/v1/x');
    expect(withoutCredentials('/v1/x?ke%ZZy=1&key%=s&%6B%ZZ=1&k%65y=s')).toBe(
      '/v1/x?ke%ZZy=1&key%=s&%6B%ZZ=1',
    );
  });

  it('redacts instead when given a replacement', () => {
    expect(withoutCredentials(`${gemini}?alt=sse&key=AIzaSECRET&key`, '[redacted]')).toBe(
      `${gemini}?alt=sse&key=[redacted]&key=[redacted]`,
    );
  });

  it('never leaves a value that URLSearchParams reads as a credential', () => {
    const name = fc.constantFrom(
      'key',
      'KEY',
      'api_key',
      'Api-Key',
      'apikey',
      'access_token',
      '%6Bey',
      'k%65y',
      'alt',
      'x',
    );
    const value = fc.stringMatching(/^[A-Za-z0-9%+=._-]{0,12}$/);
    fc.assert(
      fc.property(fc.array(fc.tuple(name, value), { maxLength: 6 }), (pairs) => {
        const url = `/v1/x?${pairs.map(([n, v]) => `${n}=${v}`).join('&')}`;
        const q = withoutCredentials(url).split('?')[1] ?? '';
        for (const [n] of new URLSearchParams(q)) expect(isCredentialParam(n)).toBe(false);
      }),
    );
  });
});

describe('hasSecretFields', () => {
  it('finds secret-named string fields at any depth, and nothing in an ordinary request', () => {
    expect(hasSecretFields({ model: 'm', messages: [{ role: 'user', content: 'key' }] })).toBe(false);
    expect(hasSecretFields({ data_sources: [{ parameters: { authentication: { key: 's' } } }] })).toBe(true);
    expect(hasSecretFields({ tools: [{ mcp: { authorization: 'Bearer s' } }] })).toBe(true);
    expect(hasSecretFields({ key: 'not under an auth parent' })).toBe(false);
  });
});
