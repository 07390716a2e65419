import { parseCondition } from './condition';
import type { Condition } from './condition';

export type Severity = 'info' | 'warning' | 'critical';

/** One rule as configured (both guide forms normalise to this). */
export interface AlertRuleInput {
  name?: string;
  /** `<metric> <op> <number>`, e.g. `hit_rate < 0.7`. */
  condition: string;
  /** How long the condition must hold before firing: seconds or `30s`, `5m`, `1h`. Default 0. */
  for?: string | number;
  /** Default 'warning'. */
  severity?: Severity;
  /** Default: the condition. */
  message?: string;
  /** What an operator (or the webhook receiver) should do, e.g. `notify_team`, `scale_resources`. */
  action?: string;
}

/** The `alerts` list form, or the `alerting.cache` map form (`{ low_hit_rate: { condition, ... } }`). */
export type AlertRulesInput = AlertRuleInput[] | Record<string, AlertRuleInput>;

export interface AlertRule {
  name: string;
  condition: Condition;
  conditionText: string;
  forMs: number;
  severity: Severity;
  message: string;
  action?: string;
}

/** The `alerting.cache` defaults, plus one rule for unusual access (a cache-busting pattern). */
export const DEFAULT_ALERT_RULES: Record<string, AlertRuleInput> = {
  low_hit_rate: {
    condition: 'hit_rate < 0.7',
    for: '5m',
    severity: 'warning',
    message: 'Cache hit rate below 70%',
  },
  high_memory_usage: {
    condition: 'memory_usage_percent > 90',
    for: '1m',
    severity: 'critical',
    message: 'Cache memory above 90% of its cap',
  },
  high_eviction_rate: {
    condition: 'evictions_per_minute > 100',
    for: '5m',
    severity: 'warning',
    message: 'More than 100 evictions a minute: the cache is undersized',
  },
  unusual_access: {
    condition: 'miss_rate_jump > 0.3',
    for: '2m',
    severity: 'warning',
    message: 'Miss rate jumped far above its baseline: cache-busting keys (a timestamp in prompts?)',
  },
};

function parseDuration(rule: string, v: string | number | undefined): number {
  if (v === undefined) return 0;
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v * 1000;
  const m = typeof v === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(v) : null;
  if (!m) throw new Error(`alert "${rule}": for "${String(v)}" is not a duration (seconds, or 30s, 5m, 1h)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Number(m[1]) * unit;
}

const SEVERITIES: readonly Severity[] = ['info', 'warning', 'critical'];

/** Normalise and validate rules once; `defaults: false` leaves the built-in set out. */
export function compileRules(input: AlertRulesInput | undefined, defaults = true): AlertRule[] {
  const listed: [string, AlertRuleInput][] = Array.isArray(input)
    ? input.map((r, i) => [r.name ?? `alert_${i}`, r])
    : Object.entries(input ?? {});
  const byName = new Map<string, AlertRuleInput>(defaults ? Object.entries(DEFAULT_ALERT_RULES) : []);
  for (const [name, r] of listed) byName.set(name, r);
  return [...byName].map(([name, r]) => {
    if (typeof r?.condition !== 'string') throw new Error(`alert "${name}": condition is required`);
    const severity = r.severity ?? 'warning';
    if (!SEVERITIES.includes(severity)) {
      throw new Error(`alert "${name}": severity must be one of ${SEVERITIES.join(', ')}`);
    }
    return {
      name,
      condition: parseCondition(name, r.condition),
      conditionText: r.condition,
      forMs: parseDuration(name, r.for),
      severity,
      message: r.message ?? r.condition,
      ...(r.action ? { action: r.action } : {}),
    };
  });
}
