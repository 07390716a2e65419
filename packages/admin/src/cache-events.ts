import type { Cache, CacheEvents } from '@gatecache/core';
import type { EventLog } from './event-log';

/** Evictions within this many ms of the last logged one (same tier and reason) add to its count. */
const EVICT_COALESCE_MS = 60_000;

/**
 * Copy cache events worth reading later into the log: tier errors, corrupt entries, and evictions as
 * running counts (one entry per tier and reason per minute, never one per eviction). Returns the unsubscribe.
 */
export function logCacheEvents(cache: Cache, log: EventLog, now: () => number): () => void {
  const onTierError = (e: CacheEvents['tier-error']): void => {
    log.push({ level: 'error', type: 'tier-error', tier: e.tier, op: e.op, message: e.error.message });
  };
  const onCorrupt = (e: CacheEvents['corrupt']): void => {
    log.push({ level: 'warn', type: 'corrupt', tier: e.tier, key: e.key, message: e.reason });
  };
  const onEvict = (e: CacheEvents['evict']): void => {
    const last = log.last();
    if (
      last?.type === 'evict' &&
      last.tier === e.tier &&
      last.reason === e.reason &&
      now() - last.time < EVICT_COALESCE_MS
    ) {
      last.count = (last.count as number) + 1;
      return;
    }
    log.push({ level: 'debug', type: 'evict', tier: e.tier, reason: e.reason, count: 1 });
  };
  cache.on('tier-error', onTierError).on('corrupt', onCorrupt).on('evict', onEvict);
  return () => {
    cache.off('tier-error', onTierError).off('corrupt', onCorrupt).off('evict', onEvict);
  };
}
