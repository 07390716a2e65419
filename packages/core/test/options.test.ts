import { optionChecker } from '../src/options';

describe('optionChecker', () => {
  const check = optionChecker('cacheWarmer');

  it('answers the value, or the fallback when it is absent', () => {
    expect(check.positiveInt('concurrency', 4, 8)).toBe(4);
    expect(check.positiveInt('concurrency', undefined, 8)).toBe(8);
    expect(check.positiveInt('concurrency', undefined)).toBeUndefined();
    expect(check.nonNegative('ttl', 0, 5)).toBe(0);
    expect(check.boolean('enabled', false, true)).toBe(false);
    expect(check.oneOf('mode', 'b', ['a', 'b'] as const, 'a')).toBe('b');
    expect(check.object('budget', undefined)).toEqual({});
    const fn = (): number => 1;
    expect(check.fn('now', fn)).toBe(fn);
  });

  it.each([
    [
      'positiveInt',
      (c: typeof check) => c.positiveInt('n', 0),
      /^cacheWarmer: n must be a positive integer \(got 0\)$/,
    ],
    ['positiveInt', (c: typeof check) => c.positiveInt('n', 1.5), /must be a positive integer \(got 1\.5\)/],
    [
      'nonNegativeInt',
      (c: typeof check) => c.nonNegativeInt('n', -1),
      /^cacheWarmer: n must be an integer >= 0/,
    ],
    ['positive', (c: typeof check) => c.positive('n', Infinity), /^cacheWarmer: n must be a positive number/],
    [
      'nonNegative',
      (c: typeof check) => c.nonNegative('n', '3'),
      /^cacheWarmer: n must be a finite number >= 0 \(got "3"\)/,
    ],
    [
      'sizeMb',
      (c: typeof check) => c.sizeMb('maxSizeMb', 0),
      /^cacheWarmer: maxSizeMb must be a size in MB > 0/,
    ],
    ['boolean', (c: typeof check) => c.boolean('on', 1), /^cacheWarmer: on must be a boolean \(got 1\)/],
    ['string', (c: typeof check) => c.string('name', ''), /^cacheWarmer: name must be a non-empty string/],
    ['fn', (c: typeof check) => c.fn('now', {}), /^cacheWarmer: now must be a function \(got an object\)/],
    [
      'oneOf',
      (c: typeof check) => c.oneOf('mode', 'c', ['a', 'b']),
      /^cacheWarmer: mode must be one of "a", "b" \(got "c"\)/,
    ],
    [
      'intInRange',
      (c: typeof check) => c.intInRange('port', 70000, 1, 65535),
      /must be an integer between 1 and 65535/,
    ],
    [
      'object',
      (c: typeof check) => c.object('budget', [] as never),
      /^cacheWarmer: budget must be an object \(got an array\)/,
    ],
  ])('%s throws a TypeError naming the factory and the option', (_kind, run, message) => {
    expect(() => run(check)).toThrow(TypeError);
    expect(() => run(check)).toThrow(message);
  });

  it('prefixes the paths of a group, nested groups too', () => {
    const budget = check.group('budget');
    expect(() => budget.positiveInt('maxRequests', -1)).toThrow(
      /^cacheWarmer: budget\.maxRequests must be a positive integer \(got -1\)$/,
    );
    expect(() => budget.group('window').positive('seconds', 0)).toThrow(
      /^cacheWarmer: budget\.window\.seconds /,
    );
    expect(() => budget.object('', 5 as never)).toThrow(/^cacheWarmer: budget must be an object/);
  });

  it('checks that an object has the methods it must have', () => {
    const clock = { now: () => 0 };
    expect(check.methods('clock', clock, ['now'], 'a Clock')).toBe(clock);
    expect(() => check.methods('clock', { now: 1 }, ['now'], 'a Clock')).toThrow(
      /^cacheWarmer: clock must be a Clock \(now\)$/,
    );
  });

  it('never shows a long string in full', () => {
    expect(() => check.positiveInt('n', 'x'.repeat(200))).toThrow(/\(got "x{40}\.\.\."\)$/);
  });
});
