import fc from 'fast-check';
import { hasSecretFields, isCredentialParam, withoutCredentials } from '../src';

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
