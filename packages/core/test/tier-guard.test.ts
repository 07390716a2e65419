import { memoryStore } from '../src/memory-store';
import { TierGuard } from '../src/tier-guard';
import { manualClock, recordingLogger } from './helpers';

describe('TierGuard', () => {
  const tier = memoryStore({ name: 't' });

  it('returns the fallback when a call throws, and counts the error', async () => {
    const guard = new TierGuard({}, manualClock(), recordingLogger());
    const value = await guard.run(
      tier,
      'get',
      () => {
        throw new Error('boom');
      },
      'fallback',
    );
    expect(value).toBe('fallback');
    expect(guard.state('t').errors).toBe(1);
  });

  it('abandons a call that does not answer within the timeout', async () => {
    const guard = new TierGuard({ timeoutMs: 20 }, manualClock(), recordingLogger());
    const never = new Promise<string>(() => undefined);
    await expect(guard.run(tier, 'get', () => never, 'fallback')).resolves.toBe('fallback');
    expect(guard.state('t').lastError).toMatch(/did not answer get within 20 ms/);
  });

  it('opens after consecutive failures, skips the tier, probes after the cooldown and logs once per change', async () => {
    const clock = manualClock(0);
    const logger = recordingLogger();
    const guard = new TierGuard({ failureThreshold: 2, cooldownMs: 1000 }, clock, logger);
    let calls = 0;
    const failing = () => {
      calls++;
      throw new Error('down');
    };
    for (let i = 0; i < 10; i++) await guard.run(tier, 'get', failing, null);
    expect(calls).toBe(2);
    expect(guard.state('t').healthy).toBe(false);
    expect(guard.state('t').skipped).toBe(8);
    clock.advance(1000);
    await guard.run(tier, 'get', failing, null);
    expect(calls).toBe(3);
    clock.advance(1000);
    expect(await guard.run(tier, 'get', () => 'up', null)).toBe('up');
    expect(guard.state('t').healthy).toBe(true);
    expect(logger.lines.filter((l) => l.startsWith('warn'))).toHaveLength(1);
    expect(logger.lines.filter((l) => l.startsWith('info'))).toHaveLength(1);
  });

  it('rejects nonsensical options', () => {
    expect(() => new TierGuard({ timeoutMs: 0 }, manualClock(), recordingLogger())).toThrow(/timeoutMs/);
  });
});

describe('TierGuard half-open probe', () => {
  const tier = { name: 'r' };

  it('lets one call probe after the cooldown while the others keep skipping, then closes on its success', async () => {
    const clock = manualClock(0);
    const guard = new TierGuard(
      { failureThreshold: 1, cooldownMs: 1000, timeoutMs: 50 },
      clock,
      recordingLogger(),
    );
    await guard.run(tier, 'get', () => Promise.reject(new Error('down')), 'fb');
    expect(guard.isOpen(tier)).toBe(true);
    clock.advance(1000);
    let answer: (v: string) => void = () => undefined;
    const probe = guard.run(tier, 'get', () => new Promise<string>((r) => (answer = r)), 'fb');
    let others = 0;
    const second = guard.run(tier, 'get', () => (others++, 'x'), 'fb');
    expect(second).toBe('fb');
    expect(others).toBe(0);
    answer('up');
    await expect(probe).resolves.toBe('up');
    expect(guard.state('r').healthy).toBe(true);
    expect(guard.run(tier, 'get', () => 'x', 'fb')).toBe('x');
  });

  it('opens again for a whole cooldown when the probe fails, and tells watchers of each change', async () => {
    const clock = manualClock(0);
    const guard = new TierGuard({ failureThreshold: 2, cooldownMs: 1000 }, clock, recordingLogger());
    const changes: string[] = [];
    const unwatch = guard.watch((t, healthy) => changes.push(`${t}:${healthy}`));
    const fail = (): never => {
      throw new Error('down');
    };
    void guard.run(tier, 'get', fail, null);
    void guard.run(tier, 'get', fail, null);
    clock.advance(1000);
    void guard.run(tier, 'get', fail, null);
    expect(guard.isOpen(tier)).toBe(true);
    clock.advance(999);
    expect(guard.isOpen(tier)).toBe(true);
    clock.advance(1);
    void guard.run(tier, 'get', () => 1, null);
    unwatch();
    void guard.run(tier, 'get', fail, null);
    expect(changes).toEqual(['r:false', 'r:true']);
  });
});
