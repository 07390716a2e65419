import type { CacheEntry, LockHandle } from '@gatecache/core';
import type { Deps, Job } from './context';
import { forward } from './forward';
import { cacheStatus } from './headers';
import { serveEntry } from './hit';
import { joinFlight } from './waiter';

const LOCK_ATTEMPTS = 3;

/** In-process flights are per answer shape: a JSON waiter cannot take a live stream, nor the reverse. */
export function flightKeyOf(job: Job): string {
  return `${job.key}|${job.route.streaming ? 'sse' : 'json'}`;
}

/**
 * A request that must go upstream regardless of the cache (our own background refresh, `no-cache`): it is
 * forwarded and its answer stored, never coalesced with others.
 */
export function handleReload(job: Job, deps: Deps): void {
  deps.o.cache.recordLookup(job.key, 'miss');
  deps.acct.count('misses');
  forward(job, deps, { fwd: 'request' });
}

/**
 * A miss: join the identical request already in flight in this process, or lead a new flight (taking the
 * distributed lock first when there is one, so one instance goes upstream and the others read its answer).
 */
export async function handleMiss(
  job: Job,
  deps: Deps,
  fallback: CacheEntry | undefined,
  fwd: 'miss' | 'request',
): Promise<void> {
  deps.o.cache.recordLookup(job.key, 'miss');
  const flightKey = flightKeyOf(job);
  const existing = deps.flights.find(flightKey);
  if (existing) {
    // Counted by how it ends: coalesced when the flight answers it, a miss when it has to go alone.
    joinFlight(job, deps, existing, () => {
      deps.acct.count('misses');
      forward(job, deps, { fwd, ...(fallback ? { fallback } : {}) });
    });
    return;
  }
  deps.acct.count('misses');
  const flight = deps.flights.start(flightKey);
  const lead = { flight: { flight, key: flightKey }, fwd, ...(fallback ? { fallback } : {}) };
  const lock = deps.o.lock;
  if (!lock) {
    forward(job, deps, lead);
    return;
  }
  // Another instance may have stored the answer between our lookup and now: read again before going upstream.
  const answeredMeanwhile = async (): Promise<boolean> => {
    const entry = await deps.o.cache.get(job.key, { record: false });
    if (!entry || !serveEntry(job, deps, entry, { outcome: 'MISS', status: cacheStatus.collapsed() }))
      return false;
    deps.o.cache.recordLookup(job.key, 'hit', entry.tier);
    deps.acct.count('collapsed');
    deps.acct.saved(job.key, job.namespace, entry);
    flight.answerWith(entry, 'lock-wait');
    deps.flights.finish(flightKey, flight);
    return true;
  };
  try {
    for (let attempt = 0; attempt < LOCK_ATTEMPTS; attempt++) {
      const handle = await lock.acquire(`${job.key}`, deps.o.lockTtlMs);
      if (handle) {
        if (await answeredMeanwhile()) {
          handle.release().catch(() => undefined);
          return;
        }
        forward(job, deps, { ...lead, release: lease(handle, deps) });
        return;
      }
      await lock.waitForRelease(job.key, deps.o.lockWaitMs);
      if (await answeredMeanwhile()) return;
    }
  } catch (err) {
    deps.o.logger.warn('gatecache: distributed lock failed; going upstream without it', {
      key: job.key,
      error: (err as Error).message,
    });
  }
  forward(job, deps, lead);
}

/** Keeps a lock while the upstream answer runs (long streams outlive a lease) and releases it once. */
function lease(handle: LockHandle, deps: Deps): () => void {
  const ttl = deps.o.lockTtlMs;
  const timer = setInterval(
    () => {
      handle.extend(ttl).catch(() => undefined);
    },
    Math.max(1, Math.floor(ttl / 2)),
  );
  timer.unref();
  let released = false;
  return () => {
    if (released) return;
    released = true;
    clearInterval(timer);
    handle.release().catch((err: Error) => {
      deps.o.logger.warn('gatecache: lock release failed (it will expire)', { error: err.message });
    });
  };
}
