import type { Guarded, TierGuard } from './tier-guard';
import type { DistributedLock, LockHandle, Logger } from './types';
import { silentLogger } from './util';

/** What a guarded lock did with each acquire. */
export interface LockStats {
  /** Acquires that took the lock. */
  acquired: number;
  /** Acquires that found the lock held by another owner (the caller then waits for its release). */
  contended: number;
  /**
   * Acquires that went on without the lock, each then a local-only single flight: the breaker was open, or
   * the call failed or timed out.
   */
  skipped: number;
  /** Waits for a release cut short because the breaker opened (or was open). */
  waitsCut: number;
}

export interface GuardedLock extends DistributedLock {
  /** The lock this one guards. */
  readonly inner: DistributedLock;
  stats(): LockStats;
}

export interface GuardLockOptions {
  /**
   * The breaker's name in the guard. Default: the lock's own `tier` (the tier on the same server, whose
   * breaker it then shares), else `lock`.
   */
  tier?: string;
  logger?: Logger;
}

/**
 * A handle for a call that goes on without the lock: nothing to release or extend. The caller leads its
 * in-process flight as if it held the lock; other instances may make the same call meanwhile.
 */
const LOCAL: LockHandle = Object.freeze({
  release: async (): Promise<void> => {},
  extend: async (): Promise<boolean> => true,
});

/** One wrapper per lock and guard: its stats and its once-per-outage log are shared by every user. */
const wrappers = new WeakMap<DistributedLock, WeakMap<TierGuard, GuardedLock>>();

export function isGuardedLock(lock: DistributedLock): lock is GuardedLock {
  return typeof (lock as Partial<GuardedLock>).stats === 'function' && 'inner' in lock;
}

/**
 * Puts a distributed lock behind a tier guard, so a frozen server costs a few timeouts and then no waits at
 * all; a lock on a tier's server shares that tier's breaker, whichever of the two notices first.
 */
export function guardLock(
  lock: DistributedLock,
  guard: TierGuard,
  options: GuardLockOptions = {},
): GuardedLock {
  if (isGuardedLock(lock)) return lock;
  let byGuard = wrappers.get(lock);
  if (!byGuard) wrappers.set(lock, (byGuard = new WeakMap()));
  let guarded = byGuard.get(guard);
  if (!guarded) byGuard.set(guard, (guarded = wrap(lock, guard, options)));
  return guarded;
}

function wrap(lock: DistributedLock, guard: TierGuard, options: GuardLockOptions): GuardedLock {
  const name = options.tier ?? lock.tier ?? 'lock';
  if (typeof name !== 'string' || name === '')
    throw new TypeError('guardLock: tier must be a non-empty string');
  const logger = options.logger ?? silentLogger;
  const tier: Guarded = { name };
  const stats: LockStats = { acquired: 0, contended: 0, skipped: 0, waitsCut: 0 };
  let skipping = false;
  const skip = (why: string): LockHandle => {
    stats.skipped++;
    if (!skipping) {
      skipping = true;
      logger.warn(
        'gatecache: distributed lock skipped; single-flight is per instance until it answers again',
        {
          tier: name,
          why,
        },
      );
    }
    return LOCAL;
  };
  const NO_ANSWER = Symbol('no answer');
  return {
    inner: lock,
    tier: name,
    async acquire(key: string, ttlMs: number): Promise<LockHandle | undefined> {
      if (!guard.available(tier)) return skip('breaker open');
      let pending: Promise<LockHandle | undefined> | undefined;
      const handle = await guard.run<LockHandle | undefined | typeof NO_ANSWER>(
        tier,
        'lock',
        () => (pending = lock.acquire(key, ttlMs)),
        NO_ANSWER,
        // Asked above, where an open breaker answers with a local handle.
        { evenIfOpen: true },
      );
      if (handle === NO_ANSWER) {
        // Abandoned on the guard's timeout, the acquire may still succeed later: release what it took.
        pending?.then((late) => late?.release()).catch(() => undefined);
        return skip('lock call failed or timed out');
      }
      if (skipping) {
        skipping = false;
        logger.info('gatecache: distributed lock answers again', { tier: name });
      }
      if (handle) stats.acquired++;
      else stats.contended++;
      return handle;
    },
    waitForRelease(key: string, timeoutMs: number): Promise<void> {
      if (guard.isOpen(tier)) {
        stats.waitsCut++;
        return Promise.resolve();
      }
      return new Promise((resolve) => {
        // The owner's release may never be seen while the server does not answer: stop waiting when the
        // breaker opens, so the caller's next acquire is skipped and it goes on by itself.
        const unwatch = guard.watch((t, healthy) => {
          if (t !== name || healthy) return;
          stats.waitsCut++;
          done();
        });
        const done = (): void => {
          unwatch();
          resolve();
        };
        lock.waitForRelease(key, timeoutMs).then(done, done);
      });
    },
    stats: () => ({ ...stats }),
  };
}
