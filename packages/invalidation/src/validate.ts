import type { Cache, Keyring, Store } from '@gatecache/core';
import { decodeRecord } from '@gatecache/core';
import { smallestAfter } from './keys-page';

export interface TierReport {
  tier: string;
  checked: number;
  good: number;
  corrupt: number;
  expired: number;
  /** Entries that could not be checked here (signed or encrypted without the key given to cacheAdmin). */
  unverifiable: number;
  removed: number;
  /** True when `limit` stopped the pass before the tier's keys ended. */
  partial: boolean;
  /** Last key checked (where a bounded pass stopped). */
  lastKey?: string;
  error?: string;
  /** The store's own verification (disk tier: cacache verify), when it offers one. */
  verify?: unknown;
}

export interface ValidateOptions {
  /** Needed to check signed (HMAC) and encrypted entries; must match the cache's. */
  keyring?: Keyring;
  signingKey?: Buffer;
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

/**
 * Decode every entry of every tier (codec, integrity, expiry) with bounded work: at most `limit` per tier.
 * Signed or encrypted entries need the matching key; without it they count as unverifiable and are kept,
 * so a missing option never deletes good data.
 */
export async function validateTiers(cache: Cache, o: ValidateOptions): Promise<TierReport[]> {
  return Promise.all(
    cache.tiers.map(async (tier: Verifiable) => {
      const r: TierReport = {
        tier: tier.name,
        checked: 0,
        good: 0,
        corrupt: 0,
        expired: 0,
        unverifiable: 0,
        removed: 0,
        partial: false,
      };
      try {
        // Keys in sorted order, so a bounded pass can resume after the last key it checked whatever order
        // the tier lists them in (an LRU reorders on every read).
        const batch = await smallestAfter(tier.keys('*'), {
          limit: o.limit,
          after: o.after?.[tier.name],
          maxScan: Number.MAX_SAFE_INTEGER,
        });
        r.partial = batch.more;
        for (const key of batch.keys) {
          r.checked++;
          r.lastKey = key;
          const record = await tier.get(key);
          if (!record) continue;
          let bad = false;
          if (o.now >= record.meta.staleUntil) {
            r.expired++;
            bad = true;
          } else if (
            (record.meta.integrity.startsWith('hmac-') && !o.signingKey) ||
            (record.meta.encryption && !o.keyring)
          ) {
            r.unverifiable++;
          } else {
            try {
              await decodeRecord(record, { keyring: o.keyring, signingKey: o.signingKey });
              r.good++;
            } catch {
              r.corrupt++;
              bad = true;
            }
          }
          if (bad && o.remove && (await tier.delete(key))) r.removed++;
        }
        if (o.storeVerify && typeof tier.verify === 'function') r.verify = await tier.verify();
      } catch (err) {
        r.error = (err as Error).message;
      }
      return r;
    }),
  );
}
