import { setOwn } from '@gatecache/core';
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';

/** `X-Cache` values. */
export type CacheOutcome = 'HIT' | 'MISS' | 'STALE' | 'BYPASS';

/** Cache-Status (RFC 9211) member for this cache. */
export const cacheStatus = {
  hit: (ttl: number): string => `gatecache; hit; ttl=${ttl}`,
  /**
   * `fwd=request` when the request's own directives (no-cache, max-age) sent it upstream. Never `stored`: the
   * head leaves before the answer is complete, and an answer cut or refused later is not stored.
   */
  miss: (fwd: 'miss' | 'request'): string => `gatecache; fwd=${fwd}`,
  /** The answer passes through unstored: it is larger than `maxEntryBytes`. */
  tooLarge: (fwd: 'miss' | 'request'): string => `gatecache; fwd=${fwd}; detail=too-large`,
  /** Another request's upstream call answered this one. */
  collapsed: (): string => 'gatecache; fwd=miss; collapsed',
  /** A negative ttl says how long ago the entry expired (RFC 9211 2.6). */
  staleWhileRevalidate: (ttl: number): string =>
    `gatecache; hit; fwd=stale; ttl=${ttl}; detail=stale-while-revalidate`,
  staleHit: (ttl: number): string => `gatecache; hit; ttl=${ttl}; detail=max-stale`,
  staleIfError: (ttl: number, upstream: number | 'timeout'): string =>
    upstream === 'timeout'
      ? `gatecache; fwd=stale; ttl=${ttl}; detail=stale-if-error-timeout`
      : `gatecache; fwd=stale; fwd-status=${upstream}; ttl=${ttl}; detail=stale-if-error`,
  bypass: (why?: string): string => `gatecache; fwd=bypass${why ? `; detail=${why}` : ''}`,
  onlyIfCached: (): string => 'gatecache; fwd=miss; detail=only-if-cached',
};

/** Never forwarded from one request's response to another's (hop-by-hop, cookies, lengths we recompute). */
const NOT_SHARED = new Set([
  'set-cookie',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'proxy-connection',
  'trailer',
]);

/** Headers of a leader's response that a coalesced waiter may receive as they are. */
export function shareableHeaders(headers: OutgoingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (NOT_SHARED.has(lower) || lower === 'cache-status' || lower === 'x-cache' || lower === 'age') continue;
    if (value !== undefined) setOwn(out, lower, value);
  }
  return out;
}

/** Lower-cases the names of a writeHead headers argument (object or flat raw array). */
export function normalizeHeaders(arg: unknown): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  if (Array.isArray(arg)) {
    // Raw form: [name, value, name, value, ...] or [[name, value], ...].
    const pairs: unknown[][] = Array.isArray(arg[0]) ? (arg as unknown[][]) : [];
    if (!pairs.length) for (let i = 0; i + 1 < arg.length; i += 2) pairs.push([arg[i], arg[i + 1]]);
    for (const [name, value] of pairs) setOwn(out, String(name).toLowerCase(), value as string);
  } else if (arg && typeof arg === 'object') {
    for (const [name, value] of Object.entries(arg)) setOwn(out, name.toLowerCase(), value as string);
  }
  return out;
}

export interface CacheHeaderValues {
  outcome: CacheOutcome;
  status: string;
  key?: string;
  age?: number;
}

/** Sets X-Cache, Cache-Status, Age and X-Gatecache-Key on a response whose head is not sent yet. */
export function setCacheHeaders(res: ServerResponse, values: CacheHeaderValues): void {
  if (res.headersSent) return;
  res.setHeader('X-Cache', values.outcome);
  res.setHeader('Cache-Status', values.status);
  if (values.age !== undefined) res.setHeader('Age', String(values.age));
  if (values.key !== undefined) res.setHeader('X-Gatecache-Key', values.key);
}

export const JSON_CONTENT_TYPE = 'application/json';
export const SSE_CONTENT_TYPE = 'text/event-stream; charset=utf-8';
