import { createCache, memoryStore } from '@gatecache/core';
import { decodeCursor, encodeCursor, keysPage, smallestAfter } from '../src/keys-page';

async function* from(keys: string[]): AsyncIterable<string> {
  for (const k of keys) yield k;
}

describe('cursors', () => {
  it('round-trip any key, including non-ASCII and colons', () => {
    for (const key of ['response:a:b', 'summary:ü:1:m', 'x'])
      expect(decodeCursor(encodeCursor(key))).toBe(key);
  });

  it('refuse strings that are not cursors of this route', () => {
    expect(decodeCursor('%%%')).toBeUndefined();
    expect(decodeCursor('abc=')).toBeUndefined();
    // Decodes, but not canonically: a cursor we would never have produced.
    expect(decodeCursor('YR')).toBeUndefined();
  });
});

describe('smallestAfter', () => {
  it('returns the smallest keys above the cursor in code-unit order, whatever the input order', async () => {
    const r = await smallestAfter(from(['d', 'a', 'c', 'b', 'e']), { limit: 2, after: 'a', maxScan: 100 });
    expect(r).toEqual({ keys: ['b', 'c'], more: true, scanned: 5, partial: false });
  });

  it('says there is no more on the last page', async () => {
    const r = await smallestAfter(from(['b', 'a']), { limit: 5, maxScan: 100 });
    expect(r).toEqual({ keys: ['a', 'b'], more: false, scanned: 2, partial: false });
  });

  it('stops after maxScan keys and flags the page partial', async () => {
    const r = await smallestAfter(from(['e', 'd', 'c', 'b', 'a']), { limit: 10, maxScan: 3 });
    expect(r).toEqual({ keys: ['c', 'd', 'e'], more: false, scanned: 3, partial: true });
  });
});

describe('keysPage', () => {
  it('pages through every tier once per key, with a cursor for the next page', async () => {
    const upper = memoryStore();
    const lower = memoryStore({ name: 'l2' });
    const cache = createCache({ tiers: [upper, lower] });
    for (const k of ['config:a', 'config:b', 'config:c']) await cache.set(k, { body: k });
    await upper.delete('config:c'); // held by the lower tier only
    const first = await keysPage(cache, { pattern: 'config:*', limit: 2, maxScan: 100 });
    expect(first.keys).toEqual(['config:a', 'config:b']);
    expect(first.nextCursor).toBe(encodeCursor('config:b'));
    const second = await keysPage(cache, { pattern: 'config:*', limit: 2, after: 'config:b', maxScan: 100 });
    expect(second).toMatchObject({ keys: ['config:c'], nextCursor: null, partial: false });
  });
});
