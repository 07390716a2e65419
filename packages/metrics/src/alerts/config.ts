import { setOwn } from '@gatecache/core';
import { DEFAULT_ALERT_RULES } from './rules';
import type { AlertRuleInput, AlertRulesInput } from './rules';

/** The guide's `monitoring:` block. */
export interface MonitoringConfig {
  /** Keep the low hit rate rule. Default true. */
  alert_on_low_hit_rate?: boolean;
  /** Hit rate (0..1, or a percentage above 1) below which `low_hit_rate` fires. Default 0.7. */
  hit_rate_threshold?: number;
  /** Seconds between alert evaluations (or `30s`, `5m`). Default 60. */
  metrics_interval?: number | string;
  /** Per-tier and per-namespace breakdowns in the JSON stats. Default true. */
  enable_detailed_stats?: boolean;
}

/** The three config blocks that hold alerting, as the guide spells them. */
export interface AlertConfigInput {
  monitoring?: MonitoringConfig;
  /** `alerting: { cache: { rule_name: { condition, ... } } }`. */
  alerting?: { cache?: Record<string, AlertRuleInput> };
  /** The `alerts:` list form, each with a `name` and optionally an `action`. */
  alerts?: AlertRuleInput[];
}

/** What `cacheMetrics` takes: spread it into the options. */
export interface AlertOptionsFromConfig {
  alerts: Record<string, AlertRuleInput>;
  /** Always false: the returned `alerts` already hold the defaults that apply. */
  defaultAlerts: false;
  intervalSeconds: number;
  detailedStats: boolean;
}

function seconds(v: number | string | undefined): number {
  if (v === undefined) return 60;
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v;
  const m = typeof v === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*(s|m|h)?\s*$/.exec(v) : null;
  if (!m) throw new Error(`monitoring.metrics_interval "${String(v)}" is not a number of seconds`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600 }[(m[2] ?? 's') as 's' | 'm' | 'h'];
}

/**
 * Maps the guide's `monitoring`, `alerting.cache` and `alerts` blocks onto `cacheMetrics` options. Later
 * forms win by rule name: defaults, then `monitoring`, then `alerting.cache`, then `alerts`.
 */
export function alertsFromConfig(config: AlertConfigInput = {}): AlertOptionsFromConfig {
  const { monitoring = {}, alerting, alerts } = config;
  const rules: Record<string, AlertRuleInput> = { ...DEFAULT_ALERT_RULES };
  if (monitoring.alert_on_low_hit_rate === false) delete rules.low_hit_rate;
  else if (monitoring.hit_rate_threshold !== undefined) {
    const t = monitoring.hit_rate_threshold;
    if (!(typeof t === 'number' && Number.isFinite(t) && t >= 0 && t <= 100)) {
      throw new Error('monitoring.hit_rate_threshold must be a number from 0 to 1 (or a percentage)');
    }
    const ratio = t > 1 ? t / 100 : t;
    rules.low_hit_rate = {
      ...DEFAULT_ALERT_RULES.low_hit_rate,
      condition: `hit_rate < ${ratio}`,
      message: `Cache hit rate below ${Math.round(ratio * 1000) / 10}%`,
    };
  }
  for (const [name, rule] of Object.entries(alerting?.cache ?? {})) setOwn(rules, name, rule);
  if (alerts !== undefined && !Array.isArray(alerts)) throw new Error('alerts must be a list of rules');
  (alerts ?? []).forEach((rule, i) => {
    setOwn(rules, rule?.name ?? `alert_${i}`, rule);
  });
  if (
    monitoring.enable_detailed_stats !== undefined &&
    typeof monitoring.enable_detailed_stats !== 'boolean'
  ) {
    throw new Error('monitoring.enable_detailed_stats must be true or false');
  }
  return {
    alerts: rules,
    defaultAlerts: false,
    intervalSeconds: seconds(monitoring.metrics_interval),
    detailedStats: monitoring.enable_detailed_stats !== false,
  };
}

export type { AlertRulesInput };
