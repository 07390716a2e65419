import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { JSON_CONTENT_TYPE } from './headers';

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
 * The 504 of a miss that got no answer: `only-if-cached` with nothing cached, or a coalesced waiter whose
 * leader sent no head in time. It carries the cache headers of a miss so the client can tell it from a
 * provider's own 504.
 */
export function writeMissTimeout(
  res: ServerResponse,
  type: string,
  message: string,
  cacheStatus: string,
  key: string | undefined,
): void {
  writeJsonError(res, 504, type, message, {
    'x-cache': 'MISS',
    'cache-status': cacheStatus,
    ...(key !== undefined ? { 'x-gatecache-key': key } : {}),
  });
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
