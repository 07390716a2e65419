import { createKeyedLock } from '../src/keyed-lock';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('createKeyedLock', () => {
  it('runs tasks of one key one after another, even when one fails', async () => {
    const lock = createKeyedLock();
    const log: string[] = [];
    const first = lock.run('k', async () => {
      log.push('first start');
      await tick();
      log.push('first end');
      throw new Error('boom');
    });
    const second = lock.run('k', async () => {
      log.push('second');
      return 2;
    });
    await expect(first).rejects.toThrow('boom');
    expect(await second).toBe(2);
    expect(log).toEqual(['first start', 'first end', 'second']);
  });

  it('runs tasks of different keys side by side', async () => {
    const lock = createKeyedLock();
    const log: string[] = [];
    const a = lock.run('a', async () => {
      log.push('a start');
      await tick();
      log.push('a end');
    });
    const b = lock.run('b', async () => void log.push('b'));
    await Promise.all([a, b]);
    expect(log.indexOf('b')).toBeLessThan(log.indexOf('a end'));
    await lock.idle();
  });
});
