import type { IncomingMessage } from 'node:http';

/** A Node request with the body attached once read: `body` (parsed JSON) and `rawBody` (its bytes). */
export type BodyRequest = IncomingMessage & {
  /** The path as the gateway received it, mount prefix included (Express sets it). */
  originalUrl?: string;
  body?: unknown;
  rawBody?: Buffer;
};

/**
 * Default cap (bytes) on a request body read and keyed; a larger one passes through unread. One value for
 * every middleware that reads bodies, so they agree on which requests they look at.
 */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

export type BodyResult =
  /** The body was read: `raw` holds its bytes, `json` the parsed value (undefined when not JSON). */
  | { status: 'read'; raw: Buffer; json: unknown }
  /** An earlier body parser (express.json) consumed the stream; its parsed value is used. */
  | { status: 'parsed'; json: unknown }
  /** Larger than the limit (or encoded): the stream is left readable for the next handler. */
  | { status: 'skipped'; reason: 'too-large' | 'encoded' | 'consumed' };

/** Body-parser marks requests it consumed with `_body = true`. */
type ParsedRequest = BodyRequest & { _body?: boolean };

/**
 * Deepest nesting of arrays and objects parsed: deeper bodies hold the event loop in JSON.parse and overflow
 * the stack of every recursive walk after it, while LLM request bodies nest a few dozen levels at most.
 */
export const MAX_JSON_DEPTH = 256;

/** True when `raw` nests arrays/objects deeper than `max` (brackets inside strings do not count). Linear. */
export function nestsDeeperThan(raw: Buffer, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > max) return true;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) depth--;
  }
  return false;
}

/** The JSON value of a request body, or undefined when it is empty, not JSON or nested deeper than MAX_JSON_DEPTH. */
export function parseJsonBody(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  // Treated as not JSON (passed through, uncached): see MAX_JSON_DEPTH.
  if (nestsDeeperThan(raw, MAX_JSON_DEPTH)) return undefined;
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Reads the request body up to `maxBytes` and attaches `req.body` (parsed JSON) and `req.rawBody` (bytes).
 * A body over the limit is put back into the stream unread, so the next handler proxies it as if untouched.
 */
export async function readRequestBody(req: BodyRequest, maxBytes: number): Promise<BodyResult> {
  const read = await readRawBody(req, maxBytes);
  if (read.status !== 'read') return read;
  req.rawBody = read.raw;
  return { ...read, json: attachJson(req) };
}

/** Parses `req.rawBody` into `req.body` unless that is done; the parsed value, undefined when not JSON. */
function attachJson(req: BodyRequest): unknown {
  if (req.body === undefined && req.rawBody !== undefined) {
    const json = parseJsonBody(req.rawBody);
    if (json !== undefined) req.body = json;
  }
  return req.body;
}

/**
 * The raw body, read as readRequestBody does, without parsing it or touching `req` (a byte-identical repeat
 * needs no parse, and a hit needs nothing on `req`).
 */
export function readRawBody(
  req: BodyRequest,
  maxBytes: number,
): Promise<Exclude<BodyResult, { status: 'read' }> | { status: 'read'; raw: Buffer }> {
  // Each property access counts: behind Express every request has a map of its own, so each one is a lookup.
  const headers = req.headers;
  if (req.readableEnded) {
    // Read before us (express.json, the context condenser with a larger limit): the limit still holds, so a body
    // another handler accepted is not keyed (canonicalized, hashed) beyond it either.
    const raw = req.rawBody;
    const size = Buffer.isBuffer(raw) ? raw.length : Number(headers['content-length']);
    if (size > maxBytes) return Promise.resolve({ status: 'skipped', reason: 'too-large' });
    // Read but not JSON to whoever read it (the condenser): the bytes are known, so it is judged like our own read.
    if (req.body === undefined && Buffer.isBuffer(raw)) return Promise.resolve({ status: 'read', raw });
    if ((req as ParsedRequest)._body || req.body !== undefined) {
      return Promise.resolve({ status: 'parsed', json: req.body });
    }
    return Promise.resolve({ status: 'skipped', reason: 'consumed' });
  }
  const encoding = headers['content-encoding'];
  if (encoding && encoding.toLowerCase() !== 'identity') {
    return Promise.resolve({ status: 'skipped', reason: 'encoded' });
  }
  const declared = Number(headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    return Promise.resolve({ status: 'skipped', reason: 'too-large' });
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      chunks.push(chunk);
      if (size > maxBytes) {
        cleanup();
        req.pause();
        // Give the bytes back: the proxy behind reads the whole body as if nobody had touched it.
        req.unshift(Buffer.concat(chunks));
        resolve({ status: 'skipped', reason: 'too-large' });
      }
    };
    // No cleanup here: the stream is done with, and removing listeners costs more than it frees.
    const onEnd = (): void => {
      resolve({
        status: 'read',
        raw: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size),
      });
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}
