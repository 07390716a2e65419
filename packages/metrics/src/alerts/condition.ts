/** Figures alert conditions may name; rates are over the last evaluation interval. */
export const ALERT_METRICS = [
  'hit_rate',
  'miss_rate',
  'memory_usage_percent',
  'evictions_per_minute',
  'tier_errors_per_minute',
  'new_keys_per_minute',
  'miss_rate_jump',
] as const;

export type AlertMetric = (typeof ALERT_METRICS)[number];
export type Figures = Partial<Record<AlertMetric, number>>;

export interface Condition {
  metric: AlertMetric;
  op: '<' | '<=' | '>' | '>=' | '==' | '!=';
  value: number;
  /** Whether the condition holds; false when the figure is unknown (no traffic in the window). */
  test(figures: Figures): boolean;
}

const GRAMMAR = /^\s*([a-z_]+)\s*(<=|>=|==|!=|<|>)\s*(-?\d+(?:\.\d+)?)\s*(%?)\s*$/;

/** Parses `<metric> <op> <number>`; throws with the rule name so a bad rule fails start-up. */
export function parseCondition(rule: string, text: string): Condition {
  const m = GRAMMAR.exec(text);
  if (!m) throw new Error(`alert "${rule}": condition "${text}" is not "<metric> <op> <number>"`);
  const metric = m[1] as AlertMetric;
  if (!ALERT_METRICS.includes(metric)) {
    throw new Error(`alert "${rule}": unknown metric "${m[1]}" (known: ${ALERT_METRICS.join(', ')})`);
  }
  const op = m[2] as Condition['op'];
  // `hit_rate < 70%` reads as 0.7 for ratio metrics.
  const value = m[4] === '%' && metric !== 'memory_usage_percent' ? Number(m[3]) / 100 : Number(m[3]);
  const compare: Record<Condition['op'], (a: number) => boolean> = {
    '<': (a) => a < value,
    '<=': (a) => a <= value,
    '>': (a) => a > value,
    '>=': (a) => a >= value,
    '==': (a) => a === value,
    '!=': (a) => a !== value,
  };
  return {
    metric,
    op,
    value,
    test: (figures) => {
      const x = figures[metric];
      return x !== undefined && Number.isFinite(x) && compare[op](x);
    },
  };
}
