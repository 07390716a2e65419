import type { EntryMeta } from '@gatecache/core';
import { globMatcher } from '@gatecache/core';
import type { Recipe } from '@gatecache/providers';
import { createBudget } from './budget';
import type { BudgetLeft } from './budget';
import { due, pickCandidates, recipeOf, warmable } from './candidates';
import type { Candidate } from './candidates';
import { parseKey } from './key-info';
import { resolveWarmerOptions } from './options';
import type { CacheWarmerOptions } from './options';
import { runPool } from './pool';
import { refreshKey, spendOf } from './refresh';

export interface JobStatus {
  id: string;
  kind: 'cycle' | 'manual';
  startedAt: number;
  finishedAt?: number;
  total: number;
  done: number;
  succeeded: number;
  failed: number;
  /** Candidates left out by the budget. */
  skipped: number;
}

export interface WarmerStatus {
  state: 'running' | 'idle';
  enabled: boolean;
  currentJob: JobStatus | null;
  lastCycle: JobStatus | null;
  nextRunAt: number | null;
  /** Candidates found by the last selection. */
  candidates: number;
  failures: number;
  budget: BudgetLeft & { perCycle: number };
}

export interface WarmerStats {
  requests: number;
  successes: number;
  failures: number;
  budgetSkips: number;
  /** Cycles not started because the previous one still ran. */
  overruns: number;
  avgDurationMs: number;
  /** Duration of the last job (cycle or manual), ms. */
  lastDurationMs: number;
  /** Time spent in jobs, ms. */
  totalDurationMs: number;
  /** A job is running. */
  running: boolean;
  /** When the last job finished (ms since the epoch), or null. */
  lastRunAt: number | null;
  /** Warmed entries later hit / successful warms. */
  warmHitRate: number;
  /** Live warmed entries / entries in the cache (the count taken when the last job finished). */
  coverage: number;
  /** Warmed entries later hit / all warms attempted. */
  efficiency: number;
}

export interface WarmRequest {
  keys?: string[];
  patterns?: string[];
}

export interface CacheWarmer {
  /** Starts a job now; rejects with a `busy` error while one runs. Resolves with its id once started. */
  warmNow(request?: WarmRequest): { jobId: string; done: Promise<JobStatus> };
  /** One scheduled-style cycle, awaited (undefined when a job is already running). */
  runCycle(): Promise<JobStatus | undefined>;
  status(): WarmerStatus;
  /** Synchronous, so @gatecache/metrics can read it as `sources.warming` on every scrape. */
  stats(): WarmerStats;
  close(): void;
}

export class WarmerBusyError extends Error {
  constructor(readonly jobId: string) {
    super(`a warm job is already running (${jobId})`);
  }
}

const WARMED_CAP = 4096;
const RECIPE_CAP = 1024;

/**
 * The background warmer: every `interval` it picks popular (and, with prediction, rising) keys that are due
 * and replays their recipes with the gateway's credential, storing answers under the same keys. One job at
 * a time; concurrency, batch and budget bounded; failures logged and counted, old entries left in place.
 */
export function cacheWarmer(options: CacheWarmerOptions): CacheWarmer {
  const o = resolveWarmerOptions(options);
  const { cache, clock, logger } = o;
  const budget = createBudget(o.budget);
  const recipes = new Map<string, Recipe>();
  const warmed = new Map<string, { expiresAt: number; used: boolean }>();
  const counters = {
    requests: 0,
    successes: 0,
    failures: 0,
    budgetSkips: 0,
    overruns: 0,
    useful: 0,
    durationMs: 0,
    jobMs: 0,
    lastJobMs: 0,
  };
  // Entries in the cache when the last job ended: stats() must be synchronous, cache.stats() is not.
  let entriesSeen = 0;
  let lastRunAt: number | null = null;
  let current: JobStatus | null = null;
  let lastCycle: JobStatus | null = null;
  let candidates = 0;
  let jobs = 0;
  let nextRunAt: number | null = null;

  // Keep the recipes of tracked keys, so a popular entry that expired and was dropped can still be replayed.
  const onSet = (e: { key: string; meta: EntryMeta }): void => {
    const recipe = recipeOf({ extra: e.meta.extra } as Parameters<typeof recipeOf>[0]);
    if (!recipe || !o.tracker.pattern(e.key)) return;
    recipes.delete(e.key);
    recipes.set(e.key, recipe);
    if (recipes.size > RECIPE_CAP) recipes.delete(recipes.keys().next().value as string);
  };
  const onHit = (e: { key: string }): void => {
    const w = warmed.get(e.key);
    if (w && !w.used) {
      w.used = true;
      counters.useful++;
    }
  };
  cache.on('set', onSet);
  cache.on('hit', onHit);

  const warmOne = async (job: JobStatus, c: Candidate): Promise<void> => {
    const started = clock.now();
    const estimate = spendOf(c.old, o.pricing);
    if (!budget.take(started, estimate.tokens, estimate.costUsd)) {
      job.skipped++;
      counters.budgetSkips++;
      job.done++;
      return;
    }
    counters.requests++;
    try {
      const result = await refreshKey({
        cache,
        replay: o.replay,
        key: c.key,
        info: c.info,
        recipe: c.recipe,
        ...(c.old ? { old: c.old } : {}),
        pricing: o.pricing,
        maxEntryBytes: o.maxEntryBytes,
        now: started,
      });
      budget.settle(clock.now(), estimate, result);
      if (!result.ok) throw new Error(result.reason);
      counters.successes++;
      job.succeeded++;
      const ttlMs = c.old ? c.old.expiresAt - c.old.createdAt : cache.namespace(c.info.namespace).ttl * 1000;
      warmed.delete(c.key);
      warmed.set(c.key, { expiresAt: started + ttlMs, used: false });
      if (warmed.size > WARMED_CAP) warmed.delete(warmed.keys().next().value as string);
    } catch (err) {
      counters.failures++;
      job.failed++;
      logger.warn('gatecache: warm failed; the old entry stays', {
        key: c.key,
        reason: c.reason,
        error: (err as Error).message,
      });
    } finally {
      counters.durationMs += clock.now() - started;
      job.done++;
    }
  };

  const run = async (job: JobStatus, select: () => Promise<Candidate[]>): Promise<JobStatus> => {
    try {
      const picked = await select();
      candidates = picked.length;
      const batch = picked.slice(0, Math.min(o.batchSize, o.budget.perCycle));
      job.skipped += picked.length - batch.length;
      job.total = batch.length;
      await runPool(batch, o.maxConcurrent, (c) => warmOne(job, c));
      entriesSeen = (await cache.stats()).entries;
    } catch (err) {
      logger.error('gatecache: warm job failed', { job: job.id, error: (err as Error).message });
    } finally {
      job.finishedAt = clock.now();
      counters.lastJobMs = job.finishedAt - job.startedAt;
      counters.jobMs += counters.lastJobMs;
      lastRunAt = job.finishedAt;
      if (job.kind === 'cycle') lastCycle = job;
      current = null;
    }
    return job;
  };

  const start = (
    kind: JobStatus['kind'],
    select: () => Promise<Candidate[]>,
  ): { jobId: string; done: Promise<JobStatus> } => {
    if (current) throw new WarmerBusyError(current.id);
    const job: JobStatus = {
      id: `warm-${++jobs}`,
      kind,
      startedAt: clock.now(),
      total: 0,
      done: 0,
      succeeded: 0,
      failed: 0,
      skipped: 0,
    };
    current = job;
    return { jobId: job.id, done: run(job, select) };
  };

  const selectManual = async (request: WarmRequest): Promise<Candidate[]> => {
    const keys = new Set(request.keys ?? []);
    const matchers = (request.patterns ?? []).map(globMatcher);
    if (matchers.length > 0) {
      await o.tracker.sync?.();
      for (const p of o.tracker.popular()) if (matchers.some((m) => m(p.key))) keys.add(p.key);
      for (const pattern of request.patterns ?? []) {
        for await (const key of cache.keys(pattern)) {
          if (keys.size >= o.batchSize * 4) break;
          keys.add(key);
        }
      }
    }
    const out: Candidate[] = [];
    for (const key of keys) {
      const info = parseKey(key);
      if (!warmable(o, key, info)) continue;
      const d = await due(o, key, recipes, true);
      if (d) out.push({ key, info, reason: 'manual', score: o.tracker.pattern(key)?.recent ?? 0, ...d });
    }
    return out.sort((a, b) => b.score - a.score);
  };

  const runCycle = async (): Promise<JobStatus | undefined> => {
    if (current) {
      counters.overruns++;
      return undefined;
    }
    return start('cycle', () => pickCandidates(o, recipes)).done;
  };

  let timer: NodeJS.Timeout | undefined;
  if (o.enabled) {
    nextRunAt = clock.now() + o.intervalMs;
    timer = setInterval(() => {
      nextRunAt = clock.now() + o.intervalMs;
      void runCycle();
    }, o.intervalMs);
    timer.unref();
  }

  return {
    warmNow(request = {}) {
      if (!request.keys?.length && !request.patterns?.length)
        return start('manual', () => pickCandidates(o, recipes));
      return start('manual', () => selectManual(request));
    },
    runCycle,
    status: () => ({
      state: current ? 'running' : 'idle',
      enabled: o.enabled,
      currentJob: current ? { ...current } : null,
      lastCycle: lastCycle ? { ...lastCycle } : null,
      nextRunAt,
      candidates,
      failures: counters.failures,
      budget: { ...budget.left(clock.now()), perCycle: o.budget.perCycle },
    }),
    stats() {
      const now = clock.now();
      let live = 0;
      for (const w of warmed.values()) if (w.expiresAt > now) live++;
      const entries = entriesSeen;
      return {
        requests: counters.requests,
        successes: counters.successes,
        failures: counters.failures,
        budgetSkips: counters.budgetSkips,
        overruns: counters.overruns,
        avgDurationMs: counters.requests ? counters.durationMs / counters.requests : 0,
        lastDurationMs: counters.lastJobMs,
        totalDurationMs: counters.jobMs,
        running: current !== null,
        lastRunAt,
        warmHitRate: counters.successes ? counters.useful / counters.successes : 0,
        coverage: entries ? Math.min(1, live / entries) : 0,
        efficiency: counters.requests ? counters.useful / counters.requests : 0,
      };
    },
    close() {
      if (timer) clearInterval(timer);
      nextRunAt = null;
      cache.off('set', onSet);
      cache.off('hit', onHit);
    },
  };
}
