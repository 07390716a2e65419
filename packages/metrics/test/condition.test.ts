import { parseCondition } from '../src';

describe('parseCondition', () => {
  it('compares the named figure with each operator', () => {
    expect(parseCondition('r', 'hit_rate < 0.7').test({ hit_rate: 0.5 })).toBe(true);
    expect(parseCondition('r', 'hit_rate < 0.7').test({ hit_rate: 0.7 })).toBe(false);
    expect(parseCondition('r', 'evictions_per_minute >= 100').test({ evictions_per_minute: 100 })).toBe(true);
    expect(parseCondition('r', 'miss_rate != 0').test({ miss_rate: 0 })).toBe(false);
  });

  it('reads a percentage as a ratio except for memory_usage_percent', () => {
    expect(parseCondition('r', 'hit_rate < 70%').value).toBe(0.7);
    expect(parseCondition('r', 'memory_usage_percent > 90%').value).toBe(90);
  });

  it('never holds while the figure is unknown', () => {
    expect(parseCondition('r', 'hit_rate < 0.7').test({})).toBe(false);
  });

  it('throws with the rule name on bad syntax or an unknown metric', () => {
    expect(() => parseCondition('busted', 'hit_rate is low')).toThrow(/alert "busted"/);
    expect(() => parseCondition('typo', 'hit_rat < 1')).toThrow(/alert "typo".*unknown metric "hit_rat"/);
  });
});
