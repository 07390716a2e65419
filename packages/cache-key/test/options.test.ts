import { DEFAULT_TENANT_SECRET } from '../src';
import { resolveKeyOptions } from '../src/options';

describe('resolveKeyOptions', () => {
  const saved = process.env.GATECACHE_TENANT_SECRET;
  afterEach(() => {
    if (saved === undefined) delete process.env.GATECACHE_TENANT_SECRET;
    else process.env.GATECACHE_TENANT_SECRET = saved;
  });

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

  it('names the bad option in the error', () => {
    expect(() => resolveKeyOptions({ scope: 'tenant' as never })).toThrow(/options\.scope/);
    expect(() => resolveKeyOptions({ tenantSecret: '' })).toThrow(/options\.tenantSecret/);
    expect(() => resolveKeyOptions({ provider: 'mistral' as never })).toThrow(/options\.provider/);
    expect(() => resolveKeyOptions({ varyHeaders: 'x' as never })).toThrow(/options\.varyHeaders/);
    expect(() => resolveKeyOptions({ scopes: 'global' } as never)).toThrow(
      /options\.scopes is not an option/,
    );
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
      /fields\['openai:chat'\]/,
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
    expect(() => o.provider?.({ method: 'GET', url: '/', headers: {} })).toThrow(/options\.provider\(req\)/);
  });
});
