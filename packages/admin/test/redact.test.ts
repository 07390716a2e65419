import { REDACTED, redactConfig } from '../src/redact';

describe('redactConfig', () => {
  it('hides values of secret-looking keys at any depth and keeps the rest', () => {
    const config = {
      caching: { default_ttl: 1800, enabled: true },
      redis: { host: 'r', password: 'hunter22', sentinel: [{ host: 's', auth_token: 'abc' }] },
      security: { admin_token_env: 'GATECACHE_ADMIN_TOKEN', signing_key: 'k', admin_auth: true },
      api_key: 'sk-1',
    };
    expect(redactConfig(config)).toEqual({
      caching: { default_ttl: 1800, enabled: true },
      redis: { host: 'r', password: REDACTED, sentinel: [{ host: 's', auth_token: REDACTED }] },
      // Over-redaction is the safe side: `admin_token_env` only names a variable but contains `token`.
      // Booleans are never secrets.
      security: { admin_token_env: REDACTED, signing_key: REDACTED, admin_auth: true },
      api_key: REDACTED,
    });
  });

  it('strips credentials from URLs, parseable or not', () => {
    expect(redactConfig({ url: 'redis://user:pw123@r:6379/0' })).toEqual({ url: 'redis://r:6379/0' });
    expect(redactConfig(['rediss://:pw@h:6380'])).toEqual(['rediss://h:6380']);
    expect(redactConfig('x://user:pw@[bad')).toBe('x://[bad');
    expect(redactConfig('no credentials here @ all')).toBe('no credentials here @ all');
  });

  it('copies without functions, shows buffers as redacted and survives cycles', () => {
    const cyclic: Record<string, unknown> = { name: 'c', fn: () => 1, buf: Buffer.from('raw secret') };
    cyclic.self = cyclic;
    expect(redactConfig(cyclic)).toEqual({ name: 'c', buf: REDACTED, self: '[circular]' });
    expect(redactConfig({ when: new Date(0), re: /a+/ })).toEqual({
      when: '1970-01-01T00:00:00.000Z',
      re: '/a+/',
    });
  });

  it('leaves empty and null secret values as they are (nothing to hide)', () => {
    expect(redactConfig({ password: '', token: null })).toEqual({ password: '', token: null });
  });
});
