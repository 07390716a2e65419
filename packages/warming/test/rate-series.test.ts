import { rateSeries } from '../src/rate-series';

describe('rateSeries', () => {
  it('counts per bucket and forgets what left the window', () => {
    const s = rateSeries(3, 1000);
    s.add(0);
    s.add(1500);
    s.add(1600);
    expect(s.counts(2500)).toEqual([1, 2, 0]);
    expect(s.total(10_000)).toBe(0);
  });
});
