import { restoreEnvAfterEach } from '@gatecache/test-kit';
import { canonicalJson, DEFAULT_TENANT_SECRET, tenantHash } from '../src';
import { createHmac } from 'node:crypto';

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[1,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('spells parsed numbers one way whatever the source wrote', () => {
    const spellings = ['{"t":1.0,"n":1e2}', '{"n":100,"t":1}', '{"n":100.000,"t":10e-1}'];
    const out = new Set(spellings.map((s) => canonicalJson(JSON.parse(s))));
    expect([...out]).toEqual(['{"n":100,"t":1}']);
  });

  it('refuses values that are not JSON data with a TypeError', () => {
    expect(() => canonicalJson({ x: Number.NaN })).toThrow(TypeError);
  });
});

describe('tenantHash', () => {
  restoreEnvAfterEach('GATECACHE_TENANT_SECRET');

  it('is a 16 hex char HMAC-SHA256 of the scope value', () => {
    const expected = createHmac('sha256', 'k').update('sk-abc').digest('hex').slice(0, 16);
    expect(tenantHash('sk-abc', 'k')).toBe(expected);
    expect(tenantHash('sk-abc', Buffer.from('k'))).toBe(expected);
  });

  it('differs per secret and per value', () => {
    expect(tenantHash('sk-abc', 'one')).not.toBe(tenantHash('sk-abc', 'two'));
    expect(tenantHash('sk-abc', 'one')).not.toBe(tenantHash('sk-abd', 'one'));
  });

  it('uses GATECACHE_TENANT_SECRET, else the built-in secret', () => {
    delete process.env.GATECACHE_TENANT_SECRET;
    expect(tenantHash('sk-abc')).toBe(tenantHash('sk-abc', DEFAULT_TENANT_SECRET));
    process.env.GATECACHE_TENANT_SECRET = 'from-env';
    expect(tenantHash('sk-abc')).toBe(tenantHash('sk-abc', 'from-env'));
  });
});
