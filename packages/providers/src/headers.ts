import type { OutgoingHttpHeaders } from 'node:http';
import { setOwn } from '@gatecache/core';

/** Response headers kept in an entry and replayed on hits: content description and non-secret provider ids. */
export const STORED_HEADERS: readonly string[] = [
  'content-type',
  'content-language',
  'x-request-id',
  'request-id',
  'openai-model',
  'openai-organization',
  'openai-project',
  'openai-version',
  'anthropic-organization-id',
];

function headerString(value: OutgoingHttpHeaders[string]): string | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(', ') : String(value);
}

/** The allow-listed subset of response headers, lower-case names, single string values. */
export function storableHeaders(
  headers: OutgoingHttpHeaders,
  extra: ReadonlySet<string>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (!STORED_HEADERS.includes(lower) && !extra.has(lower)) continue;
    const v = headerString(value);
    if (v !== undefined) setOwn(out, lower, v);
  }
  return out;
}

/** Whether the upstream forbids shared storage (`Cache-Control: private` / `no-store`). */
export function forbidsStorage(headers: OutgoingHttpHeaders): boolean {
  const cc = headerString(headers['cache-control'])?.toLowerCase() ?? '';
  return /(^|[\s,])(private|no-store)(\s*=|[\s,]|$)/.test(cc);
}

/** The Content-Type, lower case; '' when absent. */
export function contentTypeOf(headers: OutgoingHttpHeaders): string {
  return (headerString(headers['content-type']) ?? '').toLowerCase();
}

/** The Content-Encoding, trimmed and lower case; 'identity' when absent. */
export function contentEncodingOf(headers: OutgoingHttpHeaders): string {
  return (headerString(headers['content-encoding']) ?? 'identity').trim().toLowerCase();
}

/** Whether the response is a Server-Sent Events stream. */
export function isEventStream(headers: OutgoingHttpHeaders): boolean {
  return contentTypeOf(headers).startsWith('text/event-stream');
}
