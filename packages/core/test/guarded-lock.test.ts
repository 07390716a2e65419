import { guardLock, isGuardedLock } from '../src/guarded-lock';
import { TierGuard } from '../src/tier-guard';
import type { DistributedLock, LockHandle } from '../src/types';
import { manualClock, recordingLogger } from './helpers';

/**
 * A lock whose server can be switched off: `frozen` makes every call hang (a SIGSTOPped Redis); otherwise it
 * hands out one owner per key, and waits never end on their own.
 */
function switchableLock(tier?: string): DistributedLock & { frozen: boolean; calls: number } {
  const held = new Set<string>();
  const lock = {
    ...(tier ? { tier } : {}),
    frozen: false,
    calls: 0,
    acquire(key: string): Promise<LockHandle | undefined> {
      lock.calls++;
      if (lock.frozen) return new Promise<never>(() => undefined);
      if (held.has(key)) return Promise.resolve(undefined);
      held.add(key);
      return Promise.resolve({
        release: () => Promise.resolve(void held.delete(key)),
        extend: () => Promise.resolve(true),
      });
    },
    waitForRelease(): Promise<void> {
      return new Promise<void>(() => undefined);
    },
  };
  return lock;
}

/** A switchable lock behind a breaker with a 10 ms timeout that opens after `failureThreshold` failures for 1 s. */
function lockBehindBreaker(failureThreshold: number, tier?: string) {
  const clock = manualClock(0);
  const logger = recordingLogger();
  const guard = new TierGuard({ timeoutMs: 10, failureThreshold, cooldownMs: 1000 }, clock, logger);
  const inner = switchableLock(tier);
  const lock = guardLock(inner, guard, { logger });
  return { clock, logger, guard, inner, lock };
}

describe('guardLock', () => {
  it('skips the lock while the breaker is open: acquires answer at once with a local handle, counted and logged once', async () => {
    const { guard, logger, inner, lock } = lockBehindBreaker(2);
    inner.frozen = true;
    // Two calls time out (each counted as a failure); then the breaker is open and the lock is not called.
    for (let i = 0; i < 10; i++) {
      const handle = await lock.acquire(`k${i}`, 1000);
      expect(handle).toBeDefined();
      await handle!.release();
      expect(await handle!.extend(1000)).toBe(true);
    }
    expect(inner.calls).toBe(2);
    expect(lock.stats()).toEqual({ acquired: 0, contended: 0, skipped: 10, waitsCut: 0 });
    expect(logger.lines.filter((l) => l.includes('distributed lock skipped'))).toHaveLength(1);
    expect(guard.state('lock').skipped).toBe(8);
  });

  it('probes the server once after the cooldown and takes the lock again once it answers', async () => {
    const { clock, logger, inner, lock } = lockBehindBreaker(1);
    inner.frozen = true;
    await lock.acquire('a', 1000);
    inner.frozen = false;
    await lock.acquire('a', 1000);
    expect(inner.calls).toBe(1);
    clock.advance(1000);
    const handle = await lock.acquire('a', 1000);
    expect(inner.calls).toBe(2);
    expect(await lock.acquire('a', 1000)).toBeUndefined();
    await handle!.release();
    expect(lock.stats()).toEqual({ acquired: 1, contended: 1, skipped: 2, waitsCut: 0 });
    expect(logger.lines.filter((l) => l.includes('distributed lock answers again'))).toHaveLength(1);
  });

  it("shares the breaker of the tier it names: a failing tier opens it, and the lock's timeouts open the tier's", async () => {
    const { clock, guard, inner, lock } = lockBehindBreaker(1, 'redis');
    guard.failed({ name: 'redis' }, 'get', new Error('timeout'));
    await lock.acquire('k', 1000);
    expect(inner.calls).toBe(0);
    clock.advance(1000);
    inner.frozen = true;
    await lock.acquire('k', 1000);
    expect(inner.calls).toBe(1);
    expect(guard.isOpen({ name: 'redis' })).toBe(true);
    expect(guard.run({ name: 'redis' }, 'get', () => 'from redis', 'skipped')).toBe('skipped');
  });

  it('ends a wait for a release when the breaker opens, and does not start one while it is open', async () => {
    const { guard, lock } = lockBehindBreaker(1, 'redis');
    let ended = false;
    const waiting = lock.waitForRelease('k', 60_000).then(() => (ended = true));
    await Promise.resolve();
    expect(ended).toBe(false);
    guard.failed({ name: 'redis' }, 'get', new Error('down'));
    await waiting;
    await lock.waitForRelease('k', 60_000);
    expect(lock.stats().waitsCut).toBe(2);
  });

  it('wraps a lock once per guard, and never wraps a guarded lock again', () => {
    const guard = new TierGuard({}, manualClock(0), recordingLogger());
    const inner = switchableLock();
    const lock = guardLock(inner, guard);
    expect(guardLock(inner, guard)).toBe(lock);
    expect(guardLock(lock, guard)).toBe(lock);
    expect(isGuardedLock(lock)).toBe(true);
    expect(isGuardedLock(inner)).toBe(false);
    expect(lock.tier).toBe('lock');
    expect(() => guardLock(switchableLock(), guard, { tier: '' })).toThrow(TypeError);
  });
});
