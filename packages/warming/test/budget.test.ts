import { createBudget } from '../src/budget';

describe('createBudget', () => {
  it('refuses past the hourly warms, tokens and cost, and frees them an hour later', () => {
    const b = createBudget({ perHour: 3, maxTokensPerHour: 100, maxCostUsdPerHour: 1 });
    expect(b.take(0, 60, 0.1)).toBe(true);
    expect(b.take(1, 60, 0.1)).toBe(false);
    b.settle(2, { tokens: 60, costUsd: 0.1 }, { tokens: 10, costUsd: 0.1 });
    expect(b.take(3, 60, 0.5)).toBe(true);
    expect(b.take(4, 0, 0.5)).toBe(false);
    expect(b.take(5, 0, 0)).toBe(true);
    expect(b.take(6, 0, 0)).toBe(false);
    expect(b.left(6).hour).toEqual({ warms: 0, tokens: 30, costUsd: expect.closeTo(0.4, 5) as number });
    expect(b.take(3_600_006, 60, 0.1)).toBe(true);
  });
});
