import { restoreEnvAfterEach } from '@gatecache/test-kit';
import { DEFAULTS, DEFAULT_TENANT_SECRET } from '../src';
import { resolveKeyOptions } from '../src/options';

describe('resolveKeyOptions', () => {
  restoreEnvAfterEach('GATECACHE_TENANT_SECRET');

  it('defaults to credential scope, built-in vary headers and the built-in secret', () => {
    delete process.env.GATECACHE_TENANT_SECRET;
    const o = resolveKeyOptions();
    expect(o.scope).toBe('credential');
    expect(o.tenantSecret).toBe(DEFAULT_TENANT_SECRET);
    expect(o.varyHeaders).toEqual(['anthropic-version', 'anthropic-beta', 'openai-beta']);
    expect(o.provider).toBeUndefined();
  });

  it('reads GATECACHE_TENANT_SECRET once, at creation', () => {
    process.env.GATECACHE_TENANT_SECRET = 'env-secret';
    expect(resolveKeyOptions().tenantSecret).toBe('env-secret');
  });

  it.each([
    [{ scope: 'tenant' }, /^createKeyer: scope must be 'global', 'credential' or a function/],
    [{ tenantSecret: '' }, /^createKeyer: tenantSecret must be a non-empty string or Buffer/],
    [{ provider: 'mistral' }, /^createKeyer: provider must be one of "openai", /],
    [{ varyHeaders: 'x' }, /^createKeyer: varyHeaders must be an array of non-empty strings/],
    [{ memoSize: -1 }, /^createKeyer: memoSize must be an integer >= 0 \(got -1\)/],
    [{ fields: [] }, /^createKeyer: fields must be an object/],
    [{ scopes: 'global' }, /^createKeyer: scopes is not an option/],
  ])('rejects %p with a TypeError naming the option', (options, message) => {
    expect(() => resolveKeyOptions(options as never)).toThrow(TypeError);
    expect(() => resolveKeyOptions(options as never)).toThrow(message);
  });

  it('takes its defaults from DEFAULTS', () => {
    delete process.env.GATECACHE_TENANT_SECRET;
    const o = resolveKeyOptions();
    expect(o).toMatchObject({
      scope: DEFAULTS.scope,
      memoSize: DEFAULTS.memoSize,
      tenantSecret: DEFAULTS.tenantSecret,
    });
  });

  it('refuses credential headers as vary headers', () => {
    expect(() => resolveKeyOptions({ varyHeaders: ['Authorization'] })).toThrow(/credential/);
    expect(() => resolveKeyOptions({ varyHeaders: ['x-api-key'] })).toThrow(/credential/);
  });

  it('lower-cases extra vary headers and keeps the built-in ones', () => {
    expect(resolveKeyOptions({ varyHeaders: ['X-Region'] }).varyHeaders).toContain('x-region');
  });

  it('checks field overrides: endpoint ids, shapes and contradictions', () => {
    expect(() => resolveKeyOptions({ fields: { 'openai:chat': { exclude: ['x'] } } })).toThrow(
      /^createKeyer: fields\.openai:chat is an unknown endpoint/,
    );
    expect(() => resolveKeyOptions({ fields: { '*': { exclude: 'x' as never } } })).toThrow(/exclude/);
    expect(() => resolveKeyOptions({ fields: { '*': { omit: [] } as never } })).toThrow(/omit/);
    expect(() => resolveKeyOptions({ fields: { '*': { include: ['a'], exclude: ['a'] } } })).toThrow(/both/);
    expect(resolveKeyOptions({ fields: { 'anthropic:messages': { include: ['metadata'] } } }).fields).toEqual(
      {
        'anthropic:messages': { include: ['metadata'], exclude: [] },
      },
    );
  });

  it('checks what a provider function returns when it runs', () => {
    const o = resolveKeyOptions({ provider: () => 'nope' as never });
    expect(() => o.provider?.({ method: 'GET', url: '/', headers: {} })).toThrow(
      /^createKeyer: provider\(req\) must be one of/,
    );
  });
});
