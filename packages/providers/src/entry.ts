import * as buffer from 'node:buffer';
import * as zlib from 'node:zlib';
import type { OutgoingHttpHeaders } from 'node:http';
import type { EntryInput } from '@gatecache/core';
import { contentEncodingOf, contentTypeOf, forbidsStorage, isEventStream, storableHeaders } from './headers';
import type { Recipe } from './recipe';
import type { RouteInfo } from './route';
import { parseSse, streamOutcome, usageOf } from './sse';
import { isObject } from './sse/data';
import type { SseEvent } from './sse';

export type StoreVerdict = { ok: true; input: EntryInput } | { ok: false; reason: string };

/** A response's status and headers (lower-case names), as the upstream sent them. */
export interface ResponseHead {
  status: number;
  headers: OutgoingHttpHeaders;
}

/** Whether a response head alone already rules out storing (status, cookies, upstream cache directives). */
export function headRefusal(head: ResponseHead): string | undefined {
  if (head.status < 200 || head.status > 299) return `status ${head.status}`;
  if (head.headers['set-cookie'] !== undefined) return 'set-cookie';
  if (forbidsStorage(head.headers)) return 'cache-control private/no-store';
  return undefined;
}

type ZstdDecompress = (buf: Buffer, options: { maxOutputLength: number }) => Buffer;

/** The error zlib throws when a decoded body would pass `maxOutputLength`. */
export function isTooLarge(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'ERR_BUFFER_TOO_LARGE';
}

/**
 * The largest answer (decoded bytes) the response cache and the warmer hold and store by default, 8 MiB: a
 * 30,000-token stream of OpenAI chunks (about 250 bytes a token) or a batch of a few hundred embeddings fits.
 */
export const DEFAULT_MAX_ENTRY_BYTES = 8 * 1024 * 1024;

/**
 * Decodes a body sent with Content-Encoding; undefined for an encoding we cannot read. A decoded body over
 * `maxBytes` throws a RangeError (ERR_BUFFER_TOO_LARGE) before it is built: a small compressed answer
 * can decode to gigabytes.
 */
export function decodeBody(body: Buffer, encoding: string, maxBytes = buffer.kMaxLength): Buffer | undefined {
  const limit = { maxOutputLength: Math.max(1, maxBytes) };
  switch (encoding) {
    case 'identity':
    case '':
      return body;
    case 'gzip':
    case 'x-gzip':
      return zlib.gunzipSync(body, limit);
    case 'br':
      return zlib.brotliDecompressSync(body, limit);
    case 'deflate':
      // RFC 9110 says zlib-wrapped; some servers send raw deflate.
      try {
        return zlib.inflateSync(body, limit);
      } catch (err) {
        if (isTooLarge(err)) throw err;
        return zlib.inflateRawSync(body, limit);
      }
    case 'zstd': {
      const zstd = (zlib as unknown as { zstdDecompressSync?: ZstdDecompress }).zstdDecompressSync;
      return zstd ? zstd(body, limit) : undefined;
    }
    default:
      return undefined;
  }
}

/** Why a stored stream would be wrong: an error event, or no terminal event. Undefined when complete. */
export function streamRefusal(
  route: { provider: string; endpoint: string },
  events: SseEvent[],
): string | undefined {
  for (const event of events) {
    const outcome = streamOutcome(route, event);
    if (outcome === 'error') return 'error event in stream';
    if (outcome === 'complete') return undefined;
  }
  return 'stream without its terminal event';
}

/** Below this size a stream is read whole: the shortcut below would save next to nothing. */
const TAIL_BYTES = 4096;

/**
 * Whether a stream's bytes could hold an error event or payload: `error` or `failed` somewhere, or a \u escape
 * that could spell either. Searched in the bytes, before any decoding: most streams hold none of them. The
 * search is for `rror`, which every `error` holds: a search stops at each place the needle's first character
 * occurs, and `e`, the commonest letter of text, made it four times slower.
 */
function canHoldError(body: Buffer): boolean {
  return body.includes('rror') || body.includes('failed') || body.includes('\\u');
}

/** Blocks read one by one for their usage at most; a stream with more (Gemini reports usage in every chunk) is read whole. */
const USAGE_BLOCKS = 8;

/**
 * Where the block holding byte `at` begins: after the last blank line before it (LF LF or CRLF CRLF, Gemini's:
 * either always closes a block, whatever the line ends before it), or at the stream's start (0). A CR-only
 * blank line is not looked for: the piece read is then longer, never wrong.
 */
function blockStart(body: Buffer, at: number): number {
  const lf = body.lastIndexOf('\n\n', at);
  const crlf = body.lastIndexOf('\r\n\r\n', at);
  return Math.max(0, lf === -1 ? 0 : lf + 2, crlf === -1 ? 0 : crlf + 4);
}

/** Where the block holding byte `at` ends: after the first blank line from there, or at the stream's end. */
function blockEnd(body: Buffer, at: number): number {
  const lf = body.indexOf('\n\n', at);
  const crlf = body.indexOf('\r\n\r\n', at);
  return Math.min(lf === -1 ? body.length : lf + 2, crlf === -1 ? body.length : crlf + 4);
}

/**
 * The events of the blocks between two block boundaries, read as they read in the whole stream. Undefined
 * when the piece begins mid-stream with a byte order mark: dropped only at a stream's start, it must stay
 * part of its block there, so the caller reads the whole stream instead.
 */
function blocksBetween(body: Buffer, start: number, end = body.length): SseEvent[] | undefined {
  if (start > 0 && body[start] === 0xef && body[start + 1] === 0xbb && body[start + 2] === 0xbf)
    return undefined;
  return parseSse(body.toString('utf8', start, end));
}

/**
 * The events of the blocks that overlap the stream's last TAIL_BYTES. Undefined when the stream is short or
 * no blank line comes before that point: then it is read whole.
 */
function tailEvents(body: Buffer): SseEvent[] | undefined {
  if (body.length <= TAIL_BYTES) return undefined;
  const start = blockStart(body, body.length - TAIL_BYTES);
  return start > 0 ? blocksBetween(body, start) : undefined;
}

/**
 * The events of the blocks whose bytes hold `usage`, in stream order: the only ones usage is read from.
 * Undefined when there are more than USAGE_BLOCKS of them or one cannot be cut out (see blocksBetween);
 * then the stream is read whole.
 */
function usageBlocks(body: Buffer): SseEvent[] | undefined {
  const events: SseEvent[] = [];
  let done = 0;
  for (let n = 0, at = body.indexOf('usage'); at !== -1; at = body.indexOf('usage', done)) {
    if (++n > USAGE_BLOCKS) return undefined;
    const start = Math.max(done, blockStart(body, at));
    done = blockEnd(body, at);
    const blocks = blocksBetween(body, start, done);
    if (!blocks) return undefined;
    for (const event of blocks) events.push(event);
  }
  return events;
}

/**
 * Whether a stream may be stored, and the events its usage is read from. A stream whose bytes cannot hold an
 * error is complete as soon as its terminal event is found, and the terminal event ends the stream in all
 * but odd cases: only the last blocks are read then. Events are read whole when an error is possible or the
 * tail has no terminal event. Usage is read from the blocks that hold `usage` (only events that name `"usage`
 * carry it), one by one unless there are many.
 */
function streamVerdict(
  route: { provider: string; endpoint: string },
  body: Buffer,
): { why?: string; usageEvents?: SseEvent[] } {
  const tail = canHoldError(body) ? undefined : tailEvents(body);
  let events: SseEvent[] | undefined;
  if (!tail || streamRefusal(route, tail) !== undefined) {
    events = parseSse(body.toString('utf8'));
    const why = streamRefusal(route, events);
    if (why) return { why };
  }
  // `usage`, not `"usage`: a quote, everywhere in JSON, would stop the search at every member name.
  const usageEvents = events ?? usageBlocks(body) ?? parseSse(body.toString('utf8'));
  return usageEvents.length > 0 ? { usageEvents } : {};
}

/** Whether one JSON object is an error payload: `error` set (not null, as in a Responses object), or typed as one. */
function isErrorObject(value: unknown): boolean {
  if (!isObject(value)) return false;
  const { error } = value;
  if (error !== undefined && error !== null && error !== false && error !== '') return true;
  return value.object === 'error' || value.type === 'error';
}

/**
 * Whether a JSON answer is an error although its status is 2xx: vLLM and other OpenAI-compatible servers
 * answer `200 {"object":"error","message":...}` or `200 {"error":{...}}`, and a Gemini JSON stream (an array of
 * chunks) can end in an `{"error":...}` element. Only the top level and an array's elements are looked at.
 */
export function isErrorPayload(json: unknown): boolean {
  if (Array.isArray(json)) return json.some(isErrorObject);
  return isErrorObject(json);
}

export interface BuildArgs {
  head: ResponseHead;
  chunks: Buffer[];
  /** The request's route and tenant (a cache-key `KeyResult` is one). */
  keyed: { route: RouteInfo; tenant: string };
  tags: string[];
  extraHeaders: ReadonlySet<string>;
  variant?: number;
  /** Replay recipe kept in `extra.recipe` (for @gatecache/warming). */
  recipe?: Recipe;
  /** Largest body stored, once decoded (bytes); a larger one is refused as 'too-large'. Default: no limit. */
  maxBytes?: number;
}

/**
 * Turns a complete captured answer into a cache entry, or says why it must not be stored: only 2xx answers
 * without cookies or private directives, with a body that decodes, and for streams, one that reached its
 * route's terminal event without an error event. JSON bodies must parse (a proxy error text appended to
 * a truncated body would not).
 */
export function buildEntry(args: BuildArgs): StoreVerdict {
  const { head, keyed } = args;
  const refusal = headRefusal(head);
  if (refusal) return { ok: false, reason: refusal };
  let body: Buffer | undefined;
  try {
    body = decodeBody(Buffer.concat(args.chunks), contentEncodingOf(head.headers), args.maxBytes);
  } catch (err) {
    return { ok: false, reason: isTooLarge(err) ? 'too-large' : 'body does not decode' };
  }
  if (args.maxBytes !== undefined && body && body.length > args.maxBytes)
    return { ok: false, reason: 'too-large' };
  if (!body) return { ok: false, reason: `unknown content-encoding ${contentEncodingOf(head.headers)}` };
  const route = keyed.route;
  let kind: string;
  let usageSource: unknown;
  if (isEventStream(head.headers)) {
    kind = 'sse';
    const verdict = streamVerdict(route, body);
    if (verdict.why) return { ok: false, reason: verdict.why };
    usageSource = verdict.usageEvents;
  } else if (/[/+]json/.test(contentTypeOf(head.headers))) {
    kind = 'json';
    try {
      usageSource = JSON.parse(body.toString('utf8')) as unknown;
    } catch {
      return { ok: false, reason: 'invalid JSON body' };
    }
    if (isErrorPayload(usageSource)) return { ok: false, reason: 'error object in a 2xx body' };
  } else {
    kind = 'raw';
  }
  const usage = usageSource !== undefined ? usageOf(route, usageSource) : undefined;
  const input: EntryInput = {
    body,
    status: head.status,
    headers: storableHeaders(head.headers, args.extraHeaders),
    kind,
    tags: args.tags,
    provider: route.provider,
    model: route.model,
    endpoint: route.endpoint,
    tenant: keyed.tenant,
  };
  if (usage) input.usage = usage;
  const extra: Record<string, unknown> = {};
  if (args.variant !== undefined) extra.variant = args.variant;
  if (args.recipe !== undefined) extra.recipe = args.recipe;
  if (Object.keys(extra).length > 0) input.extra = extra;
  return { ok: true, input };
}
