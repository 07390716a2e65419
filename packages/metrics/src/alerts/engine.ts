import { EventEmitter } from 'node:events';
import type { Cache, CacheStats, Clock } from '@gatecache/core';
import type { Collector } from '../collector';
import { tierErrors } from '../snapshot';
import type { Figures } from './condition';
import type { AlertRule, Severity } from './rules';

export type AlertStatus = 'inactive' | 'pending' | 'firing' | 'resolved';

export interface AlertState {
  name: string;
  condition: string;
  severity: Severity;
  message: string;
  action?: string;
  for_seconds: number;
  state: AlertStatus;
  /** When the condition started holding (pending/firing), ms since epoch. */
  active_since: number | null;
  fired_at: number | null;
  resolved_at: number | null;
  /** The figure the rule reads, as of the last evaluation. */
  value: number | null;
}

/** Emitted as `transition` on `engine.events` (and on the router's `events`). */
export interface AlertTransition {
  name: string;
  from: AlertStatus;
  to: AlertStatus;
  at: number;
  severity: Severity;
  message: string;
  action?: string;
  value: number | null;
}

export interface AlertEngine {
  readonly events: EventEmitter;
  /** Read the cache once, update every rule, emit transitions; returns the states. */
  evaluate(): Promise<AlertState[]>;
  states(): AlertState[];
  figures(): Figures;
  close(): void;
}

export interface AlertEngineOptions {
  rules: AlertRule[];
  cache: Cache;
  collector: Collector;
  clock: Clock;
  /** Seconds between evaluations; 0 disables the timer (call `evaluate()` yourself). */
  intervalSeconds: number;
  /** Weight of the newest window in the miss-rate baseline (exponential moving average). Default 0.2. */
  baselineWeight?: number;
}

interface Reading {
  at: number;
  stats: Pick<CacheStats, 'hits' | 'staleHits' | 'misses' | 'totalRequests' | 'evictions'>;
  tierErrors: number;
  newKeys: number;
}

export function createAlertEngine(options: AlertEngineOptions): AlertEngine {
  const { rules, cache, collector, clock, intervalSeconds, baselineWeight = 0.2 } = options;
  const events = new EventEmitter();
  let last: Reading = {
    at: clock.now(),
    stats: { hits: 0, staleHits: 0, misses: 0, totalRequests: 0, evictions: 0 },
    tierErrors: 0,
    newKeys: 0,
  };
  let baseline: number | undefined;
  let figures: Figures = {};
  const states = new Map<string, AlertState>(
    rules.map((r) => [
      r.name,
      {
        name: r.name,
        condition: r.conditionText,
        severity: r.severity,
        message: r.message,
        ...(r.action ? { action: r.action } : {}),
        for_seconds: r.forMs / 1000,
        state: 'inactive',
        active_since: null,
        fired_at: null,
        resolved_at: null,
        value: null,
      },
    ]),
  );

  function measure(stats: CacheStats, now: number): Figures {
    const minutes = Math.max((now - last.at) / 60_000, 1 / 600);
    const total = stats.totalRequests - last.stats.totalRequests;
    const out: Figures = {
      evictions_per_minute: (stats.evictions - last.stats.evictions) / minutes,
      tier_errors_per_minute: (tierErrors(stats) - last.tierErrors) / minutes,
      new_keys_per_minute: (collector.newKeys() - last.newKeys) / minutes,
    };
    if (stats.memoryMaxBytes > 0) out.memory_usage_percent = (stats.memoryBytes / stats.memoryMaxBytes) * 100;
    // Rates over the window only: an hour of good hits must not hide a bad last five minutes.
    if (total > 0) {
      const hits = stats.hits + stats.staleHits - last.stats.hits - last.stats.staleHits;
      out.hit_rate = hits / total;
      out.miss_rate = (stats.misses - last.stats.misses) / total;
      if (baseline !== undefined) out.miss_rate_jump = out.miss_rate - baseline;
      baseline =
        baseline === undefined
          ? out.miss_rate
          : baseline * (1 - baselineWeight) + out.miss_rate * baselineWeight;
    }
    return out;
  }

  function step(rule: AlertRule, now: number): void {
    const s = states.get(rule.name)!;
    const holds = rule.condition.test(figures);
    s.value = figures[rule.condition.metric] ?? null;
    const from = s.state;
    if (holds) {
      if (s.active_since === null) s.active_since = now;
      if (from !== 'firing') {
        if (now - s.active_since >= rule.forMs) {
          s.state = 'firing';
          s.fired_at = now;
        } else s.state = 'pending';
      }
    } else {
      s.active_since = null;
      if (from === 'firing') {
        s.state = 'resolved';
        s.resolved_at = now;
      } else if (from === 'pending') s.state = 'inactive';
    }
    if (s.state !== from) {
      const t: AlertTransition = {
        name: rule.name,
        from,
        to: s.state,
        at: now,
        severity: rule.severity,
        message: rule.message,
        value: s.value,
        ...(rule.action ? { action: rule.action } : {}),
      };
      events.emit('transition', t);
    }
  }

  async function evaluate(): Promise<AlertState[]> {
    const stats = await cache.stats();
    const now = clock.now();
    figures = measure(stats, now);
    last = { at: now, stats, tierErrors: tierErrors(stats), newKeys: collector.newKeys() };
    for (const rule of rules) step(rule, now);
    return [...states.values()].map((s) => ({ ...s }));
  }

  let timer: NodeJS.Timeout | undefined;
  if (intervalSeconds > 0 && rules.length > 0) {
    timer = setInterval(() => {
      evaluate().catch((err: Error) => events.emit('error-evaluating', err));
    }, intervalSeconds * 1000);
    // Monitoring must never keep a process alive on its own.
    timer.unref();
  }

  return {
    events,
    evaluate,
    states: () => [...states.values()].map((s) => ({ ...s })),
    figures: () => ({ ...figures }),
    close() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}
