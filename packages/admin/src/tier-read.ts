import type { MaybePromise, Store, StoredRecord } from '@gatecache/core';

/**
 * Read a record for inspection: through `peek` where the tier has one, so an admin look (entry metadata, a
 * tag purge's scan, validation) never promotes an entry in the tier's LRU order and never delays the
 * eviction of a cold one. Tiers without `peek` (disk, Redis) fall back to `get`.
 */
export function inspect(tier: Store, key: string): MaybePromise<StoredRecord | undefined> {
  return typeof tier.peek === 'function' ? tier.peek(key) : tier.get(key);
}
