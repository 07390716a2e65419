import { credentialOf, sealSecrets } from '../src/secrets';

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
