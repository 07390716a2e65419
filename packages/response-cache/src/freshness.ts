import type { CacheEntry, ResolvedNamespace } from '@gatecache/core';
import type { RequestControls } from './controls';

/** What a looked-up entry may do for this request (RFC 9111 request directives, RFC 5861 windows). */
export type Freshness =
  /** Serve it. */
  | { use: 'fresh' }
  /** Serve it stale and refresh it in the background. */
  | { use: 'stale-while-revalidate'; overdue: number }
  /** Serve it stale because the client said `max-stale`; `revalidate` when the SWR window also allows a refresh. */
  | { use: 'max-stale'; overdue: number; revalidate: boolean }
  /** Go upstream; `fallback` is the entry to serve if the upstream fails (stale-if-error). */
  | { use: 'upstream'; fallback?: CacheEntry; reason: 'absent' | 'expired' | 'too-old' };

/**
 * Decides from an entry's timing, the namespace's stale windows and the request's Cache-Control:
 * `max-age=N` rejects entries older than N seconds (fresh or not), `max-stale[=N]` accepts entries up to
 * N seconds past expiry, otherwise a stale entry is served within `staleWhileRevalidate` and kept as a
 * fallback within `staleIfError`.
 */
export function judgeEntry(
  entry: CacheEntry | undefined,
  controls: Pick<RequestControls, 'maxAge' | 'maxStale'>,
  ns: Pick<ResolvedNamespace, 'staleWhileRevalidate' | 'staleIfError'>,
  now: number,
): Freshness {
  if (!entry) return { use: 'upstream', reason: 'absent' };
  const age = (now - entry.createdAt) / 1000;
  const overdue = Math.max(0, (now - entry.expiresAt) / 1000);
  const stale = now >= entry.expiresAt;
  const withinSie = !stale || overdue < ns.staleIfError;
  const fallback = withinSie ? entry : undefined;
  if (controls.maxAge !== undefined && age > controls.maxAge) {
    return { use: 'upstream', reason: 'too-old', ...(fallback ? { fallback } : {}) };
  }
  if (!stale) return { use: 'fresh' };
  const withinSwr = overdue < ns.staleWhileRevalidate;
  if (controls.maxStale !== undefined && overdue <= controls.maxStale) {
    return { use: 'max-stale', overdue, revalidate: withinSwr };
  }
  if (withinSwr) return { use: 'stale-while-revalidate', overdue };
  return { use: 'upstream', reason: 'expired', ...(fallback ? { fallback } : {}) };
}

/** Whole seconds for Cache-Status `ttl`: negative past expiry (RFC 9211 2.6). */
export function ttlSeconds(entry: CacheEntry, now: number): number {
  const ms = entry.expiresAt - now;
  return ms >= 0 ? Math.floor(ms / 1000) : -Math.ceil(-ms / 1000);
}

/** Whole seconds since the entry was created, for `Age`. */
export function ageSeconds(entry: CacheEntry, now: number): number {
  return Math.max(0, Math.floor((now - entry.createdAt) / 1000));
}

/** An upstream answer that stale-if-error replaces (RFC 5861 names 500, 502, 503, 504; 429 is a provider's refusal too). */
export function isUpstreamFailure(status: number): boolean {
  return status >= 500 || status === 429;
}
