import type { Cache } from '@gatecache/core';

export interface KeysPage {
  keys: string[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
  /** Keys examined for this page. */
  scanned: number;
  /** True when `maxScan` stopped the scan before the keyspace ended: the page may miss keys. */
  partial: boolean;
}

export const encodeCursor = (key: string): string => Buffer.from(key, 'utf8').toString('base64url');

/** The key a cursor stands for, or undefined when it is not one of ours. */
export function decodeCursor(cursor: string): string | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  const key = Buffer.from(cursor, 'base64url').toString('utf8');
  return encodeCursor(key) === cursor ? key : undefined;
}

/** Index of the first element greater than `key` in a sorted array. */
function upperBound(sorted: string[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as string) <= key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The `limit` smallest keys greater than `after` (and whether more exist), keeping only `limit + 1` keys in
 * memory whatever the size of the keyspace. Stops after `maxScan` keys (then `partial`).
 */
export async function smallestAfter(
  keys: AsyncIterable<string>,
  options: { limit: number; after?: string; maxScan: number },
): Promise<{ keys: string[]; more: boolean; scanned: number; partial: boolean }> {
  const { limit, after, maxScan } = options;
  const window: string[] = [];
  let scanned = 0;
  let partial = false;
  for await (const key of keys) {
    if (++scanned > maxScan) {
      partial = true;
      break;
    }
    if (after !== undefined && key <= after) continue;
    if (window.length > limit && key >= (window[window.length - 1] as string)) continue;
    window.splice(upperBound(window, key), 0, key);
    if (window.length > limit + 1) window.pop();
  }
  const more = window.length > limit;
  return { keys: more ? window.slice(0, limit) : window, more, scanned: Math.min(scanned, maxScan), partial };
}

/**
 * One page of keys in code-unit order (the `limit` smallest after the cursor), keeping only `limit + 1` keys in
 * memory; a key present for the whole paging is returned exactly once.
 */
export async function keysPage(
  cache: Cache,
  options: { pattern: string; limit: number; after?: string; maxScan: number },
): Promise<KeysPage> {
  const r = await smallestAfter(cache.keys(options.pattern), options);
  return {
    keys: r.keys,
    nextCursor: r.more ? encodeCursor(r.keys[r.keys.length - 1] as string) : null,
    scanned: r.scanned,
    partial: r.partial,
  };
}
