/** Limits on what warming may spend. Unset fields are unlimited. */
export interface WarmBudget {
  /** Warms started per cycle (or per manual job). Default: the batch size. */
  perCycle?: number;
  /** Warms started per rolling hour. Default 1000. */
  perHour?: number;
  /** Tokens (input + output) per rolling hour. Default unlimited. */
  maxTokensPerHour?: number;
  /** Estimated USD per rolling hour (needs `pricing`). Default unlimited. */
  maxCostUsdPerHour?: number;
}

export interface BudgetLeft {
  hour: { warms: number; tokens: number | null; costUsd: number | null };
}

export interface Budget {
  /** Whether a warm estimated at `tokens`/`cost` may start now; reserves it when it may. */
  take(now: number, tokens: number, costUsd: number): boolean;
  /** Replaces a reservation's estimate by what the warm really used. */
  settle(
    now: number,
    estimate: { tokens: number; costUsd: number },
    actual: { tokens: number; costUsd: number },
  ): void;
  left(now: number): BudgetLeft;
}

const HOUR = 3_600_000;

/** A rolling-hour ledger of warms, tokens and cost; memory is bounded by `perHour`. */
export function createBudget(options: Required<Pick<WarmBudget, 'perHour'>> & WarmBudget): Budget {
  const ledger: { at: number; tokens: number; costUsd: number }[] = [];
  const prune = (now: number): void => {
    while (ledger.length > 0 && (ledger[0] as { at: number }).at <= now - HOUR) ledger.shift();
  };
  const sums = (): { tokens: number; costUsd: number } =>
    ledger.reduce((s, e) => ({ tokens: s.tokens + e.tokens, costUsd: s.costUsd + e.costUsd }), {
      tokens: 0,
      costUsd: 0,
    });
  return {
    take(now, tokens, costUsd) {
      prune(now);
      if (ledger.length >= options.perHour) return false;
      const s = sums();
      if (options.maxTokensPerHour !== undefined && s.tokens + tokens > options.maxTokensPerHour)
        return false;
      if (options.maxCostUsdPerHour !== undefined && s.costUsd + costUsd > options.maxCostUsdPerHour)
        return false;
      ledger.push({ at: now, tokens, costUsd });
      return true;
    },
    settle(now, estimate, actual) {
      prune(now);
      // The newest reservation with this estimate is the one being settled (close enough for a budget).
      for (let i = ledger.length - 1; i >= 0; i--) {
        const e = ledger[i] as { at: number; tokens: number; costUsd: number };
        if (e.tokens === estimate.tokens && e.costUsd === estimate.costUsd) {
          e.tokens = actual.tokens;
          e.costUsd = actual.costUsd;
          return;
        }
      }
    },
    left(now) {
      prune(now);
      const s = sums();
      return {
        hour: {
          warms: options.perHour - ledger.length,
          tokens:
            options.maxTokensPerHour === undefined ? null : Math.max(0, options.maxTokensPerHour - s.tokens),
          costUsd:
            options.maxCostUsdPerHour === undefined
              ? null
              : Math.max(0, options.maxCostUsdPerHour - s.costUsd),
        },
      };
    },
  };
}
