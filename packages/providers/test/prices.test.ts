import { costOf, priceOf } from '../src';

describe('priceOf', () => {
  const pricing = { 'gpt-4o': { input: 2.5, output: 10 }, 'gpt-4o-mini': { input: 0.15, output: 0.6 } };

  it('prefers an exact name, else the longest prefix', () => {
    expect(priceOf(pricing, 'gpt-4o')).toBe(pricing['gpt-4o']);
    expect(priceOf(pricing, 'gpt-4o-mini-2024-07-18')).toBe(pricing['gpt-4o-mini']);
    expect(priceOf(pricing, 'claude')).toBeUndefined();
  });

  it('should find no price for a model named like an inherited member', () => {
    for (const model of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf']) {
      expect(priceOf(pricing, model)).toBeUndefined();
    }
  });

  it('prices tokens per million', () => {
    expect(costOf({ input: 1, output: 2 }, 1_000_000, 500_000)).toBe(2);
    expect(costOf(undefined, 10, 10)).toBe(0);
  });
});
