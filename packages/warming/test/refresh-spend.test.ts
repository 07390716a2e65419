import { spendOf } from '../src/refresh';

describe('spendOf', () => {
  const pricing = { 'claude-sonnet': { input: 3, output: 15 } };

  it('prices a warm as the provider charged the stored answer, its prompt-cache reads apart', () => {
    const usage = { inputTokens: 10_000, cachedInputTokens: 9_000, outputTokens: 100 };
    const spent = spendOf({ model: 'claude-sonnet-4-5', usage }, pricing);
    expect(spent.tokens).toBe(10_100);
    // 1,000 fresh at 3, 9,000 read at 0.3 (a tenth), 100 out at 15; per million.
    expect(spent.costUsd).toBeCloseTo((1_000 * 3 + 9_000 * 0.3 + 100 * 15) / 1e6, 12);
  });

  it('is nothing for an entry without usage or price', () => {
    expect(spendOf(undefined, pricing)).toEqual({ tokens: 0, costUsd: 0 });
    expect(spendOf({ model: 'unpriced', usage: { inputTokens: 5 } }, pricing)).toEqual({
      tokens: 5,
      costUsd: 0,
    });
  });
});
