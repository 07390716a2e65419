import { ownValue } from '@gatecache/core';
import type { Cache, CacheEvents, RemovalReason, Store } from '@gatecache/core';
import { smallestAfter } from './keys-page';
import { inspect } from './tier-read';

export interface TierReport {
  tier: string;
  /** How the tier was checked: `decode` (every entry read and decoded), plus `verify` when it has its own. */
  method: 'decode' | 'decode+verify';
  checked: number;
  good: number;
  corrupt: number;
  expired: number;
  /** Entries this cache cannot check (encrypted with a key it does not hold, e.g. another instance's). Kept. */
  unverifiable: number;
  /** Entries gone after the pass: removed here, or by the tier itself when its own read check failed. */
  removed: number;
  /** True when `limit` stopped the pass before the tier's keys ended. */
  partial: boolean;
  /** Last key checked (where a bounded pass stopped). */
  lastKey?: string;
  error?: string;
  /** The store's own verification, when it offers a `verify()`. */
  verify?: unknown;
}

export interface ValidateOptions {
  /** Entries checked at most per tier. */
  limit: number;
  /** Remove corrupt entries and entries past their stale window. */
  remove: boolean;
  /** Also run the store's own `verify()` where it has one. */
  storeVerify: boolean;
  now: number;
  /** Start the scan after this key (periodic passes resume where the last stopped). */
  after?: Record<string, string>;
}

type Verifiable = Store & { verify?: () => unknown };

/** The codec's message for an entry encrypted under a key id the keyring lacks: not proof of damage. */
const MISSING_KEY = /^no encryption key /;

/**
 * Decode at most `limit` entries per tier with the cache's own keys, read with `peek` where a tier has it (a
 * check is not a use); a tier that drops bad content itself reports it through its `evict` event.
 */
export async function validateTiers(cache: Cache, o: ValidateOptions): Promise<TierReport[]> {
  // Key each tier is reading now, and what the tier itself did to it meanwhile.
  const reading = new Map<string, { key: string; removed?: RemovalReason }>();
  const onEvict = (e: CacheEvents['evict']): void => {
    const r = reading.get(e.tier);
    if (r && r.key === e.key) r.removed = e.reason;
  };
  cache.on('evict', onEvict);
  try {
    return await Promise.all(cache.tiers.map((tier) => validateTier(cache, tier, o, reading)));
  } finally {
    cache.off('evict', onEvict);
  }
}

async function validateTier(
  cache: Cache,
  tier: Verifiable,
  o: ValidateOptions,
  reading: Map<string, { key: string; removed?: RemovalReason }>,
): Promise<TierReport> {
  const hasVerify = typeof tier.verify === 'function';
  const r: TierReport = {
    tier: tier.name,
    method: o.storeVerify && hasVerify ? 'decode+verify' : 'decode',
    checked: 0,
    good: 0,
    corrupt: 0,
    expired: 0,
    unverifiable: 0,
    removed: 0,
    partial: false,
  };
  try {
    // Keys in sorted order, so a bounded pass can resume after the last key it checked whatever order the
    // tier lists them in (an LRU reorders on every read).
    const batch = await smallestAfter(tier.keys('*'), {
      limit: o.limit,
      after: ownValue(o.after, tier.name),
      maxScan: Number.MAX_SAFE_INTEGER,
    });
    r.partial = batch.more;
    for (const key of batch.keys) {
      r.checked++;
      r.lastKey = key;
      const current: { key: string; removed?: RemovalReason } = { key };
      reading.set(tier.name, current);
      const record = await inspect(tier, key);
      reading.delete(tier.name);
      if (!record) {
        if (current.removed === 'corrupt') r.corrupt++;
        else if (current.removed === 'expire') r.expired++;
        if (current.removed === 'corrupt' || current.removed === 'expire') r.removed++;
        continue;
      }
      let bad = false;
      if (o.now >= record.meta.staleUntil) {
        r.expired++;
        bad = true;
      } else {
        try {
          await cache.decodeRecord(record);
          r.good++;
        } catch (err) {
          // A missing key or an encoding this Node lacks (zstd on Node 20) says nothing about the bytes.
          if (MISSING_KEY.test((err as Error).message) || (err as Error).name === 'UnreadableEntryError') {
            r.unverifiable++;
          } else {
            r.corrupt++;
            bad = true;
          }
        }
      }
      // This tier only: a copy in another tier is checked (and kept when good) on its own.
      if (bad && o.remove && (await tier.delete(key))) r.removed++;
    }
    if (o.storeVerify && hasVerify) r.verify = await (tier.verify as () => unknown)();
  } catch (err) {
    r.error = (err as Error).message;
  } finally {
    reading.delete(tier.name);
  }
  return r;
}
