import { isPromise, namespaceOf, seededRandom } from '../src/util';

describe('seededRandom', () => {
  it('repeats its sequence for a seed and gives another for another seed', () => {
    const take = (seed: number): number[] => Array.from({ length: 50 }, seededRandom(seed));
    expect(take(7)).toEqual(take(7));
    expect(take(8)).not.toEqual(take(7));
  });

  it('draws from [0, 1), spread evenly', () => {
    const next = seededRandom(42);
    const buckets = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i++) {
      const x = next();
      expect(x >= 0 && x < 1).toBe(true);
      buckets[Math.floor(x * 10)]!++;
    }
    for (const n of buckets) expect(Math.abs(n - 10_000)).toBeLessThan(500);
  });
});

describe('namespaceOf', () => {
  it('takes the first segment when it is a known namespace, else the fallback', () => {
    const known = new Set(['response', 'summary']);
    expect(namespaceOf('response:openai:x', known)).toBe('response');
    expect(namespaceOf('other:x', known)).toBe('default');
    expect(namespaceOf('summary', known, 'none')).toBe('summary');
  });
});

describe('isPromise', () => {
  it('tells promises and thenables from plain values', () => {
    expect(isPromise(Promise.resolve(1))).toBe(true);
    expect(isPromise({ then: () => undefined })).toBe(true);
    expect(isPromise(1)).toBe(false);
    expect(isPromise(undefined)).toBe(false);
  });
});
