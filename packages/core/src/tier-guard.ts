import type { Clock, Logger, MaybePromise, Store } from './types';
import { DEFAULTS } from './defaults';
import { optionChecker } from './options';
import { isPromise } from './util';

/** What the guard needs of a tier: its name. A distributed lock on a tier's server goes by that tier's name. */
export type Guarded = Pick<Store, 'name'>;

export interface TierGuardOptions {
  /** A tier call slower than this (ms) is abandoned and counted as a failure. Defaults: `DEFAULTS.tierGuard`. */
  timeoutMs?: number;
  /** Consecutive failures after which the tier is skipped. */
  failureThreshold?: number;
  /**
   * How long a failing tier is skipped before one call probes it again (half-open: while the probe runs, for
   * at most `timeoutMs`, other calls keep skipping), in ms.
   */
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
  private readonly watchers = new Set<(tier: string, healthy: boolean) => void>();

  constructor(
    options: TierGuardOptions,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly hooks: {
      onError?(tier: string, op: string, error: Error): void;
      onState?(tier: string, healthy: boolean): void;
    } = {},
  ) {
    const check = optionChecker('createCache', 'tierGuard.');
    check.object('', options);
    const d = DEFAULTS.tierGuard;
    this.timeoutMs = check.positive('timeoutMs', options.timeoutMs, d.timeoutMs);
    this.threshold = check.positiveInt('failureThreshold', options.failureThreshold, d.failureThreshold);
    this.cooldownMs = check.nonNegative('cooldownMs', options.cooldownMs, d.cooldownMs);
  }

  state(tier: string): TierState {
    let s = this.states.get(tier);
    if (!s) {
      s = { healthy: true, errors: 0, skipped: 0, consecutiveFailures: 0, openUntil: 0 };
      this.states.set(tier, s);
    }
    return s;
  }

  /**
   * Whether a call may go to the tier now; a skipped call is counted. Once the cooldown is over, one call is
   * let through as the probe, and the others keep skipping until it answers (or for at most `timeoutMs`), so a
   * tier that is still down costs one timeout per cooldown, not one per concurrent caller.
   */
  available(tier: Guarded): boolean {
    const s = this.state(tier.name);
    const now = this.clock.now();
    if (s.openUntil > now) {
      s.skipped++;
      return false;
    }
    if (!s.healthy) s.openUntil = now + this.timeoutMs;
    return true;
  }

  /**
   * The tier says it is back (its client reconnected): end the cooldown now, so the next call probes it. The
   * tier counts as healthy only once that probe succeeds.
   */
  retryNow(tier: Guarded): void {
    const s = this.state(tier.name);
    if (!s.healthy) s.openUntil = 0;
  }

  /** Whether the breaker is open for this tier now (nothing counted). */
  isOpen(tier: Guarded): boolean {
    return this.state(tier.name).openUntil > this.clock.now();
  }

  /** Calls `fn` on every change of health (the same changes that are logged); returns the unsubscribe. */
  watch(fn: (tier: string, healthy: boolean) => void): () => void {
    this.watchers.add(fn);
    return () => this.watchers.delete(fn);
  }

  /**
   * Synchronous tiers answer synchronously (no promise on the memory hit path); others get a timeout. While
   * the breaker is open `fallback` answers instead, unless `evenIfOpen`: a purge or a close must reach every
   * tier, and a caller that asked `available()` itself must not ask twice.
   */
  run<T>(
    tier: Guarded,
    op: string,
    fn: () => MaybePromise<T>,
    fallback: T,
    options: { timeoutMs?: number; evenIfOpen?: boolean } = {},
  ): MaybePromise<T> {
    if (!options.evenIfOpen && !this.available(tier)) return fallback;
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

  succeeded(tier: Guarded): void {
    const s = this.state(tier.name);
    s.consecutiveFailures = 0;
    if (!s.healthy) {
      s.healthy = true;
      s.openUntil = 0;
      this.logger.info('gatecache: tier recovered', { tier: tier.name });
      this.changed(tier.name, true);
    }
  }

  failed(tier: Guarded, op: string, error: Error): void {
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
      this.changed(tier.name, false);
    }
  }

  private changed(tier: string, healthy: boolean): void {
    this.hooks.onState?.(tier, healthy);
    for (const fn of [...this.watchers]) fn(tier, healthy);
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
