import { startSweeper } from '../src/sweeper';

describe('startSweeper', () => {
  it('calls the sweep on its interval, one pass at a time, until stopped', async () => {
    let calls = 0;
    let release: () => void = () => undefined;
    const stop = startSweeper(
      5,
      () => {
        calls++;
        return new Promise<void>((r) => (release = r));
      },
      () => undefined,
    );
    await new Promise((r) => setTimeout(r, 40));
    expect(calls).toBe(1); // the first pass has not finished: no second pass stacked on it
    release();
    await new Promise((r) => setTimeout(r, 40));
    expect(calls).toBeGreaterThan(1);
    stop();
    const after = calls;
    release();
    await new Promise((r) => setTimeout(r, 30));
    expect(calls).toBe(after);
  });

  it('reports a failed pass and does nothing with an interval of 0', async () => {
    const errors: string[] = [];
    const stop = startSweeper(
      5,
      () => Promise.reject(new Error('disk gone')),
      (e) => void errors.push(e.message),
    );
    await new Promise((r) => setTimeout(r, 30));
    stop();
    expect(errors[0]).toBe('disk gone');
    let called = false;
    startSweeper(
      0,
      () => ((called = true), Promise.resolve()),
      () => undefined,
    )();
    await new Promise((r) => setTimeout(r, 10));
    expect(called).toBe(false);
  });
});
