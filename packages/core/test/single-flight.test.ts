import { createSingleFlight } from '../src/single-flight';
import { slowCounted } from './helpers';

describe('createSingleFlight', () => {
  it('runs one call for concurrent callers of one key', async () => {
    const sf = createSingleFlight();
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const fn = async () => {
      calls++;
      await gate;
      return 42;
    };
    const all = Promise.all(Array.from({ length: 50 }, () => sf.run('k', fn)));
    expect(sf.has('k')).toBe(true);
    release();
    expect(await all).toEqual(Array(50).fill(42));
    expect(calls).toBe(1);
    expect(sf.size).toBe(0);
  });

  it('delivers an error to every waiter and forgets it', async () => {
    const sf = createSingleFlight();
    const failing = slowCounted(5, () => {
      throw new Error('upstream down');
    });
    const results = await Promise.allSettled([sf.run('k', failing), sf.run('k', failing)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(failing.calls).toBe(1);
    await expect(sf.run('k', async () => 'ok')).resolves.toBe('ok');
  });

  it('keeps different keys apart', async () => {
    const sf = createSingleFlight();
    const out = await Promise.all([sf.run('a', async () => 'A'), sf.run('b', async () => 'B')]);
    expect(out).toEqual(['A', 'B']);
  });
});
