import type { CacheEntry } from '@gatecache/core';
import { ageSeconds, isUpstreamFailure, judgeEntry, ttlSeconds } from '../src/freshness';

const T0 = 1_000_000;
const entry = { createdAt: T0, expiresAt: T0 + 10_000 } as CacheEntry;
const ns = { staleWhileRevalidate: 30, staleIfError: 60 };

describe('judgeEntry', () => {
  it('serves a fresh entry', () => {
    expect(judgeEntry(entry, {}, ns, T0 + 5_000)).toEqual({ use: 'fresh' });
  });

  it('goes upstream without an entry', () => {
    expect(judgeEntry(undefined, {}, ns, T0)).toEqual({ use: 'upstream', reason: 'absent' });
  });

  it('serves stale while revalidating inside the window, and keeps it as an error fallback after', () => {
    expect(judgeEntry(entry, {}, ns, T0 + 20_000)).toEqual({ use: 'stale-while-revalidate', overdue: 10 });
    expect(judgeEntry(entry, {}, ns, T0 + 50_000)).toEqual({
      use: 'upstream',
      reason: 'expired',
      fallback: entry,
    });
    expect(judgeEntry(entry, {}, ns, T0 + 80_000)).toEqual({ use: 'upstream', reason: 'expired' });
  });

  it('rejects entries older than max-age, keeping them as an error fallback', () => {
    expect(judgeEntry(entry, { maxAge: 2 }, ns, T0 + 5_000)).toEqual({
      use: 'upstream',
      reason: 'too-old',
      fallback: entry,
    });
  });

  it('accepts stale entries within max-stale', () => {
    const none = { staleWhileRevalidate: 0, staleIfError: 0 };
    expect(judgeEntry(entry, { maxStale: 20 }, none, T0 + 20_000)).toEqual({
      use: 'max-stale',
      overdue: 10,
      revalidate: false,
    });
    expect(judgeEntry(entry, { maxStale: 5 }, none, T0 + 20_000).use).toBe('upstream');
  });
});

describe('timing helpers', () => {
  it('gives negative ttl past expiry and whole-second age', () => {
    expect(ttlSeconds(entry, T0 + 4_500)).toBe(5);
    expect(ttlSeconds(entry, T0 + 12_500)).toBe(-3);
    expect(ageSeconds(entry, T0 + 12_500)).toBe(12);
  });

  it('counts 5xx and 429 as upstream failures', () => {
    expect([500, 502, 503, 504, 529, 429].every(isUpstreamFailure)).toBe(true);
    expect([200, 400, 404].some(isUpstreamFailure)).toBe(false);
  });
});
