import { setOwn } from '@gatecache/core';
import type { Cache, Clock } from '@gatecache/core';
import type { EventLog } from './event-log';
import type { PurgeOutcome } from './purge';
import type { PurgePlan } from './purge-spec';
import { planPurge } from './purge-spec';
import type { ScheduledPurge, ValidationOptions } from './types';
import type { TierReport } from './validate';
import { checkGlob } from '@gatecache/core';

export interface SchedulerDeps {
  cache: Cache;
  log: EventLog;
  clock: Clock;
  validation?: ValidationOptions;
  schedules?: ScheduledPurge[];
  purge(plan: PurgePlan): Promise<PurgeOutcome>;
  validate(limit: number, after?: Record<string, string>): Promise<TierReport[]>;
  /** How often schedules are checked. Default 60 s. */
  checkEveryMs?: number;
}

export interface Scheduler {
  /** Run what is due now (called by the timers; tests call it with a stepped clock). */
  tick(): Promise<void>;
  stop(): void;
}

interface Window {
  pattern: string;
  from: number;
  to: number;
  label: string;
  lastRun?: string;
}

/** Parse `HH:MM-HH:MM` into minutes of the day; throws naming the schedule. */
export function parseWindow(at: string, where: string): { from: number; to: number } {
  const m = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$/.exec(at);
  if (!m) throw new Error(`cacheAdmin: ${where}.at must be "HH:MM-HH:MM" (got ${JSON.stringify(at)})`);
  const from = Number(m[1]) * 60 + Number(m[2]);
  const to = Number(m[3]) * 60 + Number(m[4]);
  if (from === to) throw new Error(`cacheAdmin: ${where}.at is an empty window`);
  return { from, to };
}

function inWindow(minute: number, w: Window): boolean {
  return w.from < w.to ? minute >= w.from && minute < w.to : minute >= w.from || minute < w.to;
}

/** Periodic validation and daily scheduled purges; timers are unref'd so they never keep a process alive. */
export function createScheduler(deps: SchedulerDeps): Scheduler {
  const { validation = {}, schedules = [], clock, log } = deps;
  const enabled = validation.enabled === true;
  const intervalSeconds = validation.intervalSeconds ?? 3600;
  const limit = validation.batch ?? 1000;
  if (!(Number.isFinite(intervalSeconds) && intervalSeconds >= 1 && intervalSeconds <= 2_147_483)) {
    throw new Error(
      `cacheAdmin: validation.intervalSeconds must be from 1 to 2147483 (got ${intervalSeconds})`,
    );
  }
  if (!(Number.isInteger(limit) && limit > 0)) {
    throw new Error(`cacheAdmin: validation.batch must be a positive integer (got ${limit})`);
  }
  const windows: Window[] = schedules.map((s, i) => {
    const where = `schedules[${i}]`;
    if (!s || typeof s.pattern !== 'string' || s.pattern === '' || checkGlob(s.pattern)) {
      throw new Error(
        `cacheAdmin: ${where}.pattern must be a valid glob (got ${JSON.stringify(s?.pattern)})`,
      );
    }
    return { pattern: s.pattern, ...parseWindow(s.at, where), label: s.at };
  });

  let nextValidation = clock.now() + intervalSeconds * 1000;
  // Periodic passes resume after the last key each tier checked, so bounded passes cover the whole keyspace.
  let resume: Record<string, string> | undefined;
  let running = false;

  const runValidation = async (): Promise<void> => {
    const reports = await deps.validate(limit, resume);
    const next: Record<string, string> = {};
    let any = false;
    for (const r of reports) {
      if (r.partial && r.lastKey !== undefined) {
        setOwn(next, r.tier, r.lastKey);
        any = true;
      }
    }
    resume = any ? next : undefined;
    const total = (f: 'checked' | 'corrupt' | 'expired' | 'removed'): number =>
      reports.reduce((n, r) => n + r[f], 0);
    log.push({
      level: total('corrupt') > 0 ? 'warn' : 'info',
      type: 'validation',
      who: 'scheduler',
      checked: total('checked'),
      corrupt: total('corrupt'),
      expired: total('expired'),
      removed: total('removed'),
    });
  };

  const tick = async (): Promise<void> => {
    if (running) return;
    running = true;
    try {
      const now = clock.now();
      if (enabled && now >= nextValidation) {
        nextValidation = now + intervalSeconds * 1000;
        await runValidation();
      }
      const d = new Date(now);
      const minute = d.getHours() * 60 + d.getMinutes();
      for (const w of windows) {
        if (!inWindow(minute, w)) continue;
        // One run per window: name the window by the day it opened on.
        const opened = new Date(now - (minute < w.from ? 86_400_000 : 0)).toDateString();
        if (w.lastRun === opened) continue;
        w.lastRun = opened;
        const outcome = await deps.purge(planPurge({ pattern: w.pattern }));
        log.push({
          level: 'warn',
          type: 'purge',
          who: 'scheduler',
          what: `pattern=${w.pattern} (scheduled ${w.label})`,
          count: outcome.deleted,
          by_tier: outcome.byTier,
        });
      }
    } catch (err) {
      log.push({ level: 'error', type: 'scheduler', message: (err as Error).message });
    } finally {
      running = false;
    }
  };

  const timers: NodeJS.Timeout[] = [];
  if (enabled || windows.length > 0) {
    const every = Math.min(deps.checkEveryMs ?? 60_000, enabled ? intervalSeconds * 1000 : Infinity);
    const t = setInterval(() => void tick(), every);
    t.unref();
    timers.push(t);
  }
  return {
    tick,
    stop() {
      for (const t of timers) clearInterval(t);
    },
  };
}
