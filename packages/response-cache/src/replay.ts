import { ownValue } from '@gatecache/core';
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { CacheEntry } from '@gatecache/core';
import type { RouteInfo } from '@gatecache/cache-key';
import type { CacheHeaderValues } from './headers';
import { jsonToSse, parseSse, sseToJson } from '@gatecache/providers';

export const SSE_CONTENT_TYPE = 'text/event-stream; charset=utf-8';
const JSON_CONTENT_TYPE = 'application/json';

/** An entry made ready to write: the bytes the client wants (converted between JSON and SSE if need be). */
export interface PreparedAnswer {
  status: number;
  /** Read-only: may be the entry's own headers. */
  headers: Readonly<Record<string, string>>;
  body: Buffer;
  kind: string;
}

/** Whether an entry can answer a request of this route: same shape, or a converter between the shapes. */
export function canAnswer(entry: Pick<CacheEntry, 'kind'>, route: RouteInfo): boolean {
  return !(entry.kind === 'sse' && !route.streaming && !route.streamConvertible);
}

/**
 * The answer an entry gives to a request: as stored, or converted where the route has a stream converter
 * (a stream for a streaming request from a JSON entry, and the reverse). Undefined when the entry cannot
 * serve this request (a kind mismatch with no converter): the caller treats that as a miss.
 */
export function prepareAnswer(entry: CacheEntry, route: RouteInfo): PreparedAnswer | undefined {
  const stored = entry.headers ?? {};
  const status = entry.status ?? 200;
  const kind = entry.kind ?? 'raw';
  const wantSse = route.streaming;
  if (!canAnswer(entry, route)) return undefined;
  if (kind === 'sse' && !wantSse) {
    const json = sseToJson(route, parseSse(entry.body.toString('utf8')));
    const headers = { ...stored, 'content-type': JSON_CONTENT_TYPE };
    return { status, headers, body: Buffer.from(JSON.stringify(json)), kind: 'json' };
  }
  if (kind === 'json' && wantSse && route.streamConvertible) {
    const headers = { ...stored, 'content-type': SSE_CONTENT_TYPE };
    return { status, headers, body: Buffer.from(jsonToSse(route, entry.body)), kind: 'sse' };
  }
  // The stored headers go out as they are (writeAnswer only reads them): no copy on the hit path.
  const fallbackType = kind === 'sse' ? SSE_CONTENT_TYPE : kind === 'json' ? JSON_CONTENT_TYPE : undefined;
  const headers =
    fallbackType !== undefined && stored['content-type'] === undefined
      ? { ...stored, 'content-type': fallbackType }
      : stored;
  return { status, headers, body: entry.body, kind };
}

/**
 * Writes a prepared answer with one writeHead and one end: stored bytes, never re-serialised. The body is
 * identity-encoded; a compression middleware in front encodes it for the client as negotiated.
 */
/** Headers writeAnswer sets itself; a stored copy of one never goes out next to ours. */
const OWN_HEADERS = new Set(['content-length', 'x-cache', 'cache-status', 'age', 'x-gatecache-key']);

export function writeAnswer(
  res: ServerResponse,
  answer: PreparedAnswer,
  cache: CacheHeaderValues,
  headOnly = false,
): void {
  // A flat [name, value, ...] list: Node writes it as given, skipping the per-header object bookkeeping that
  // costs a measurable share of a hit.
  const headers: string[] = [];
  for (const name of Object.keys(answer.headers)) {
    if (OWN_HEADERS.has(name) || (answer.kind === 'sse' && name === 'cache-control')) continue;
    headers.push(name, ownValue(answer.headers, name) as string);
  }
  headers.push(
    'content-length',
    String(answer.body.length),
    'x-cache',
    cache.outcome,
    'cache-status',
    cache.status,
  );
  if (answer.kind === 'sse') headers.push('cache-control', 'no-cache');
  if (cache.age !== undefined) headers.push('age', String(cache.age));
  if (cache.key !== undefined) headers.push('x-gatecache-key', cache.key);
  res.writeHead(answer.status, headers);
  if (headOnly) res.end();
  else res.end(answer.body);
}

/** Sends a small JSON error in the shape providers use (`{ error: { type, message } }`). */
export function writeJsonError(
  res: ServerResponse,
  status: number,
  type: string,
  message: string,
  extra: OutgoingHttpHeaders = {},
): void {
  const body = Buffer.from(JSON.stringify({ error: { type, message } }));
  res.writeHead(status, { ...extra, 'content-type': JSON_CONTENT_TYPE, 'content-length': body.length });
  res.end(body);
}

/**
 * Ends a response whose upstream died mid-answer so the client sees an error instead of hanging: a stream
 * gets a final `event: error` (both the OpenAI and Anthropic SDKs raise it as an API error); other bodies
 * cannot be marked bad after their head, so the connection is destroyed (the client sees a truncated body).
 */
export function failResponse(res: ServerResponse, sse: boolean): void {
  if (res.writableEnded || res.destroyed) return;
  if (!res.headersSent) {
    writeJsonError(res, 502, 'upstream_error', 'The upstream connection closed before the answer completed');
    return;
  }
  if (!sse) {
    res.destroy();
    return;
  }
  const data = JSON.stringify({
    type: 'error',
    error: { type: 'upstream_error', message: 'The upstream connection closed before the answer completed' },
  });
  res.end(`event: error\ndata: ${data}\n\n`);
}
