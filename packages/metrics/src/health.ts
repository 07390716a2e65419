import type { Cache, Store, TierHealth } from '@gatecache/core';
import { ownValue } from '@gatecache/core';
import type { MemoryLimits } from './types';

export type HealthStatus = 'ok' | 'degraded' | 'down';

export interface TierCheck {
  status: 'ok' | 'down';
  kind: string;
  required: boolean;
  latency_ms?: number;
  message?: string;
}

export interface CacheHealth {
  status: HealthStatus;
  tiers: Record<string, TierCheck>;
}

export interface MemoryCheck {
  ok: boolean;
  heap_used_mb: number;
  heap_total_mb: number;
  rss_mb: number;
  limits: { heap_mb: number | null; rss_mb: number | null };
}

export interface HealthOptions {
  /** Names of tiers whose failure makes the cache `down` (503); any other failing tier is `degraded`. */
  tiersRequired: readonly string[];
  /** How long one tier's `health()` may take before it counts as down, in ms. */
  timeoutMs: number;
  memoryLimits: MemoryLimits;
  memoryUsage: () => NodeJS.MemoryUsage;
}

const round = (n: number): number => Math.round(n * 10) / 10;

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`health check timed out after ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

async function checkTier(tier: Store, healthy: boolean, options: HealthOptions): Promise<TierCheck> {
  const required = options.tiersRequired.includes(tier.name);
  const base = { kind: tier.kind, required };
  if (!tier.health) {
    // Without a probe the circuit breaker's view is all we have.
    return healthy
      ? { ...base, status: 'ok', message: 'no health probe; circuit closed' }
      : { ...base, status: 'down', message: 'circuit open' };
  }
  const started = Date.now();
  try {
    const result: TierHealth = await withTimeout(
      Promise.resolve().then(() => tier.health!()),
      options.timeoutMs,
    );
    const latency = result.latencyMs ?? Date.now() - started;
    return {
      ...base,
      status: result.ok ? 'ok' : 'down',
      latency_ms: round(latency),
      ...(result.message ? { message: result.message } : {}),
    };
  } catch (err) {
    return { ...base, status: 'down', latency_ms: Date.now() - started, message: (err as Error).message };
  }
}

/** Probe every tier in parallel; `down` only when a required tier is down. */
export async function cacheHealth(cache: Cache, options: HealthOptions): Promise<CacheHealth> {
  const stats = await cache.stats();
  const checks = await Promise.all(
    cache.tiers.map(
      async (t) =>
        [t.name, await checkTier(t, ownValue(stats.tiers, t.name)?.healthy !== false, options)] as const,
    ),
  );
  const tiers = Object.fromEntries(checks);
  const failing = checks.filter(([, c]) => c.status === 'down');
  const status: HealthStatus = failing.some(([, c]) => c.required)
    ? 'down'
    : failing.length > 0
      ? 'degraded'
      : 'ok';
  return { status, tiers };
}

export function memoryCheck(options: HealthOptions): MemoryCheck {
  const m = options.memoryUsage();
  const heap = m.heapUsed / 1024 / 1024;
  const rss = m.rss / 1024 / 1024;
  const { heapMb, rssMb } = options.memoryLimits;
  const ok = (heapMb === undefined || heap <= heapMb) && (rssMb === undefined || rss <= rssMb);
  return {
    ok,
    heap_used_mb: round(heap),
    heap_total_mb: round(m.heapTotal / 1024 / 1024),
    rss_mb: round(rss),
    limits: { heap_mb: heapMb ?? null, rss_mb: rssMb ?? null },
  };
}

export const httpStatusOf = (status: HealthStatus): number => (status === 'down' ? 503 : 200);

/** `GET /health`: memory over its limits degrades; the cache's status carries through. */
export async function overallHealth(cache: Cache, options: HealthOptions, now: number) {
  const [memory, cacheCheck] = [memoryCheck(options), await cacheHealth(cache, options)];
  const status: HealthStatus =
    cacheCheck.status === 'down'
      ? 'down'
      : !memory.ok || cacheCheck.status === 'degraded'
        ? 'degraded'
        : 'ok';
  return {
    status,
    timestamp: new Date(now).toISOString(),
    uptime_s: Math.round(process.uptime()),
    checks: { memory, cache: cacheCheck },
  };
}

/** `GET /health` for a caller without the read or admin token: the verdict only. */
export function publicHealth(body: Awaited<ReturnType<typeof overallHealth>>) {
  return {
    status: body.status,
    timestamp: body.timestamp,
    checks: { memory: { ok: body.checks.memory.ok }, cache: { status: body.checks.cache.status } },
  };
}

/** `GET /health/cache` for a caller without the read or admin token: each tier's state, kind and role. */
export function publicCacheHealth(body: CacheHealth): CacheHealth {
  const tiers = Object.entries(body.tiers).map(
    ([name, t]) => [name, { status: t.status, kind: t.kind, required: t.required }] as const,
  );
  return { status: body.status, tiers: Object.fromEntries(tiers) };
}
