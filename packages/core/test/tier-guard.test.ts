import { memoryStore } from '../src/memory-store';
import { TierGuard } from '../src/tier-guard';
import type { Logger } from '../src/types';
import { manualClock } from './helpers';

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const log = (level: string) => (message: string) => lines.push(`${level}:${message}`);
  return { lines, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

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
