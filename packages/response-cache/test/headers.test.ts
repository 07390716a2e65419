import { UPSTREAM_HEADERS } from '@gatecache/test-kit';
import { cacheStatus, normalizeHeaders, shareableHeaders } from '../src/headers';

describe('Cache-Status values (RFC 9211)', () => {
  it('names the cache and the outcome', () => {
    expect(cacheStatus.hit(30)).toBe('gatecache; hit; ttl=30');
    expect(cacheStatus.miss('miss')).toBe('gatecache; fwd=miss');
    expect(cacheStatus.miss('request')).toBe('gatecache; fwd=request');
    expect(cacheStatus.collapsed()).toBe('gatecache; fwd=miss; collapsed');
    expect(cacheStatus.staleIfError(-5, 503)).toBe(
      'gatecache; fwd=stale; fwd-status=503; ttl=-5; detail=stale-if-error',
    );
    expect(cacheStatus.bypass('no-store')).toBe('gatecache; fwd=bypass; detail=no-store');
  });
});

describe('header filters', () => {
  const upstream = UPSTREAM_HEADERS;

  it('shares with waiters all but cookies and hop-by-hop headers', () => {
    const shared = shareableHeaders(upstream);
    expect(shared['set-cookie']).toBeUndefined();
    expect(shared.connection).toBeUndefined();
    expect(shared['transfer-encoding']).toBeUndefined();
    expect(shared['content-encoding']).toBe('gzip');
    expect(shared['content-type']).toBe('application/json');
  });

  it('normalises writeHead header arguments of every shape', () => {
    expect(normalizeHeaders({ 'Content-Type': 'a' })).toEqual({ 'content-type': 'a' });
    expect(normalizeHeaders(['Content-Type', 'a', 'X-B', 'b'])).toEqual({ 'content-type': 'a', 'x-b': 'b' });
    expect(normalizeHeaders([['X-C', 'c']])).toEqual({ 'x-c': 'c' });
  });
});
