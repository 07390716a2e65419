import { compileRules, DEFAULT_ALERT_RULES } from '../src';

describe('compileRules', () => {
  it('includes the four defaults and lets a rule of the same name replace one', () => {
    const rules = compileRules({ low_hit_rate: { condition: 'hit_rate < 0.5', for: '30s' } });
    expect(rules.map((r) => r.name).sort()).toEqual(Object.keys(DEFAULT_ALERT_RULES).sort());
    const low = rules.find((r) => r.name === 'low_hit_rate')!;
    expect(low).toMatchObject({ conditionText: 'hit_rate < 0.5', forMs: 30_000, severity: 'warning' });
  });

  it('accepts the list form with actions and leaves the defaults out when asked', () => {
    const rules = compileRules(
      [{ name: 'scale', condition: 'memory_usage_percent > 80', for: '2m', action: 'scale_resources' }],
      false,
    );
    expect(rules).toHaveLength(1);
    expect(rules[0]).toMatchObject({
      name: 'scale',
      forMs: 120_000,
      action: 'scale_resources',
      message: 'memory_usage_percent > 80',
    });
  });

  it('fails with the rule name on a bad duration, severity or missing condition', () => {
    expect(() => compileRules({ slow: { condition: 'hit_rate < 0.7', for: 'soon' } })).toThrow(
      /alert "slow"/,
    );
    expect(() => compileRules({ loud: { condition: 'hit_rate < 0.7', severity: 'page' as 'info' } })).toThrow(
      /alert "loud".*severity/,
    );
    expect(() => compileRules({ empty: {} as { condition: string } })).toThrow(/alert "empty".*condition/);
  });
});
