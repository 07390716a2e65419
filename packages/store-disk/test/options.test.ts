import { DEFAULTS } from '../src';
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

  it.each([
    [{ path: '' }, /^diskStore: path must be a non-empty string/],
    [{ path: 'x', maxSizeMb: -1 }, /^diskStore: maxSizeMb must be a size in MB > 0 \(got -1\)/],
    [{ path: 'x', maxSizeMb: Number.NaN }, /^diskStore: maxSizeMb must be/],
    [{ path: 'x', name: '' }, /^diskStore: name must be a non-empty string/],
    [{ path: 'x', honorTtl: 'yes' }, /^diskStore: honorTtl must be a boolean/],
    [
      { path: 'x', sweepIntervalMs: 2 ** 31 },
      /^diskStore: sweepIntervalMs must be an integer between 0 and 2147483647/,
    ],
    [{ path: 'x', sweepBatch: 1.5 }, /^diskStore: sweepBatch must be a positive integer/],
    [{ path: 'x', clock: {} }, /^diskStore: clock must be a Clock/],
    [{ path: 'x', ttl: 0 }, /^diskStore: ttl must be a positive number/],
    [{ path: 'x', logger: 'console' }, /^diskStore: logger must be a Logger/],
  ])('rejects %p with a TypeError naming the option', (options, message) => {
    expect(() => resolveOptions(options as never)).toThrow(TypeError);
    expect(() => resolveOptions(options as never)).toThrow(message);
  });

  it('holds every default in DEFAULTS', () => {
    const o = resolveOptions({ path: '/tmp/x' });
    expect(o.maxBytes).toBe(DEFAULTS.maxSizeMb * 1024 * 1024);
    expect(o.ttlMs).toBe(DEFAULTS.ttl);
    expect(o).toMatchObject({ name: DEFAULTS.name, sweepBatch: DEFAULTS.sweepBatch });
  });
});
