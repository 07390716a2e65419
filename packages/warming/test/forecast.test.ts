import { fitLine, forecastRequests } from '../src/forecast';

describe('forecastRequests', () => {
  it('extends a rising trend and never forecasts below zero', () => {
    expect(fitLine([1, 2, 3, 4])).toEqual({ slope: 1, intercept: 1 });
    expect(forecastRequests([1, 2, 3, 4], 2)).toBe(5 + 6);
    expect(forecastRequests([8, 6, 4, 2], 3)).toBe(0);
    expect(forecastRequests([], 2)).toBe(0);
  });
});
