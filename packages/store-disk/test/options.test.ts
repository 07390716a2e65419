import { resolveOptions } from '../src/options';

describe('resolveOptions', () => {
  it('applies the documented defaults', () => {
    const o = resolveOptions({ path: '/tmp/x' });
    expect(o).toMatchObject({
      maxBytes: 1024 * 1024 * 1024,
      name: 'disk',
      honorTtl: true,
      sweepIntervalMs: 60_000,
      sweepBatch: 500,
    });
  });

  it('rejects bad values naming the option', () => {
    expect(() => resolveOptions({ path: '' })).toThrow(/path/);
    expect(() => resolveOptions({ path: 'x', maxSizeMb: -1 })).toThrow(/maxSizeMb/);
    expect(() => resolveOptions({ path: 'x', maxSizeMb: Number.NaN })).toThrow(/maxSizeMb/);
    expect(() => resolveOptions({ path: 'x', name: '' })).toThrow(/name/);
    expect(() => resolveOptions({ path: 'x', sweepIntervalMs: 2 ** 31 })).toThrow(/sweepIntervalMs/);
    expect(() => resolveOptions({ path: 'x', sweepBatch: 1.5 })).toThrow(/sweepBatch/);
    expect(() => resolveOptions({ path: 'x', clock: {} as never })).toThrow(/clock/);
    expect(() => resolveOptions({ path: 'x', ttl: 0 })).toThrow(/ttl/);
    expect(resolveOptions({ path: 'x', ttl: 60 }).ttlMs).toBe(60_000);
  });
});
