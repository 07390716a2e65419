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
    expect(costOf({ input: 1, output: 2 }, { inputTokens: 1_000_000, outputTokens: 500_000 })).toBe(2);
    expect(costOf(undefined, { inputTokens: 10, outputTokens: 10 })).toBe(0);
    expect(costOf({ input: 1, output: 2 }, undefined)).toBe(0);
  });

  it('prices prompt-cache reads and writes apart, by default at 0.1x and 1.25x the input price', () => {
    const price = { input: 3, output: 15 };
    const usage = { inputTokens: 4_000_000, cachedInputTokens: 2_000_000, cacheWriteTokens: 1_000_000 };
    // 1M fresh at 3, 2M read at 0.3, 1M written at 3.75.
    expect(costOf(price, usage)).toBeCloseTo(3 + 0.6 + 3.75, 10);
    expect(costOf({ ...price, cachedInput: 0.5, cacheWrite: 6 }, usage)).toBeCloseTo(3 + 1 + 6, 10);
    // An OpenAI answer with most of its prompt cached costs far less than its input at the full price.
    const openai = { inputTokens: 1_000_000, cachedInputTokens: 900_000, outputTokens: 0 };
    expect(costOf({ input: 2, output: 8 }, openai)).toBeCloseTo(0.2 + 0.18, 10);
  });

  it('never counts more cached tokens than input tokens', () => {
    const usage = { inputTokens: 100, cachedInputTokens: 500, cacheWriteTokens: 500 };
    expect(costOf({ input: 10, output: 0, cachedInput: 1 }, usage)).toBeCloseTo(100 / 1_000_000, 12);
  });
});
