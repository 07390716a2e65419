import type { Clock, Logger, MaybePromise, Store } from './types';
import { isPromise } from './util';

export interface TierGuardOptions {
  /** A tier call slower than this is abandoned and counted as a failure. Default 200 ms. */
  timeoutMs?: number;
  /** Consecutive failures after which the tier is skipped. Default 3. */
  failureThreshold?: number;
  /** How long a failing tier is skipped before one call probes it again. Default 5000 ms. */
  cooldownMs?: number;
}

export interface TierState {
  healthy: boolean;
  errors: number;
  skipped: number;
  consecutiveFailures: number;
  openUntil: number;
  lastError?: string;
}

class TierTimeoutError extends Error {
  constructor(tier: string, op: string, ms: number) {
    super(`tier "${tier}" did not answer ${op} within ${ms} ms`);
    this.name = 'TierTimeoutError';
  }
}

/**
 * Runs tier calls with a timeout and a circuit breaker, so a slow or broken tier costs at most one timeout
 * per cooldown and never an error for the caller. Logs once per state change, not once per request.
 */
export class TierGuard {
  private readonly states = new Map<string, TierState>();
  private readonly timeoutMs: number;
  private readonly threshold: number;
  private readonly cooldownMs: number;

  constructor(
    options: TierGuardOptions,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly hooks: {
      onError?(tier: string, op: string, error: Error): void;
      onState?(tier: string, healthy: boolean): void;
    } = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 200;
    this.threshold = options.failureThreshold ?? 3;
    this.cooldownMs = options.cooldownMs ?? 5000;
    if (!(this.timeoutMs > 0) || !(this.threshold >= 1) || !(this.cooldownMs >= 0)) {
      throw new Error('tierGuard: timeoutMs and failureThreshold must be positive and cooldownMs >= 0');
    }
  }

  state(tier: string): TierState {
    let s = this.states.get(tier);
    if (!s) {
      s = { healthy: true, errors: 0, skipped: 0, consecutiveFailures: 0, openUntil: 0 };
      this.states.set(tier, s);
    }
    return s;
  }

  available(tier: Store): boolean {
    const s = this.state(tier.name);
    if (s.openUntil > this.clock.now()) {
      s.skipped++;
      return false;
    }
    return true;
  }

  /** Synchronous tiers answer synchronously (no promise on the memory hit path); others get a timeout. */
  run<T>(
    tier: Store,
    op: string,
    fn: () => MaybePromise<T>,
    fallback: T,
    options: { timeoutMs?: number } = {},
  ): MaybePromise<T> {
    if (!this.available(tier)) return fallback;
    let result: MaybePromise<T>;
    try {
      result = fn();
    } catch (err) {
      this.failed(tier, op, err instanceof Error ? err : new Error(String(err)));
      return fallback;
    }
    if (!isPromise(result)) {
      this.succeeded(tier);
      return result;
    }
    return this.withTimeout(result, tier.name, op, options.timeoutMs).then(
      (value) => {
        this.succeeded(tier);
        return value;
      },
      (err: unknown) => {
        this.failed(tier, op, err instanceof Error ? err : new Error(String(err)));
        return fallback;
      },
    );
  }

  succeeded(tier: Store): void {
    const s = this.state(tier.name);
    s.consecutiveFailures = 0;
    if (!s.healthy) {
      s.healthy = true;
      s.openUntil = 0;
      this.logger.info('gatecache: tier recovered', { tier: tier.name });
      this.hooks.onState?.(tier.name, true);
    }
  }

  failed(tier: Store, op: string, error: Error): void {
    const s = this.state(tier.name);
    s.errors++;
    s.consecutiveFailures++;
    s.lastError = error.message;
    this.hooks.onError?.(tier.name, op, error);
    if (s.consecutiveFailures < this.threshold) return;
    s.openUntil = this.clock.now() + this.cooldownMs;
    if (s.healthy) {
      s.healthy = false;
      this.logger.warn('gatecache: tier failing, skipping it', {
        tier: tier.name,
        op,
        error: error.message,
        retryInMs: this.cooldownMs,
      });
      this.hooks.onState?.(tier.name, false);
    }
  }

  private withTimeout<T>(promise: Promise<T>, tier: string, op: string, ms = this.timeoutMs): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TierTimeoutError(tier, op, ms)), ms);
      timer.unref?.();
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }
}
