import type { ClientRequest } from 'node:http';
import type { CacheRequest } from './types';

export type BodyResult =
  /** The body was read: `raw` holds its bytes, `json` the parsed value (undefined when not JSON). */
  | { status: 'read'; raw: Buffer; json: unknown }
  /** An earlier body parser (express.json) consumed the stream; its parsed value is used. */
  | { status: 'parsed'; json: unknown }
  /** Larger than the limit (or encoded): the stream is left readable for the next handler. */
  | { status: 'skipped'; reason: 'too-large' | 'encoded' | 'consumed' };

/** Body-parser marks requests it consumed with `_body = true`. */
type ParsedRequest = CacheRequest & { _body?: boolean };

/**
 * Deepest nesting of arrays and objects parsed. JSON.parse spends ~0.3 s on 1 MB of `[[[[...` (the event loop
 * held all that time) and every recursive walk after it (canonical JSON for the key, token counting) would
 * overflow the stack; request bodies of LLM APIs nest a few dozen levels at most.
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

function parseJson(raw: Buffer): unknown {
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
export async function readRequestBody(req: CacheRequest, maxBytes: number): Promise<BodyResult> {
  const read = await readRawBody(req, maxBytes);
  if (read.status !== 'read') return read;
  req.rawBody = read.raw;
  return { ...read, json: attachJson(req) };
}

/** Parses `req.rawBody` into `req.body` unless that is done; the parsed value, undefined when not JSON. */
export function attachJson(req: CacheRequest): unknown {
  if (req.body === undefined && req.rawBody !== undefined) {
    const json = parseJson(req.rawBody);
    if (json !== undefined) req.body = json;
  }
  return req.body;
}

/**
 * The raw body, read as readRequestBody does, without parsing it or touching `req` (a byte-identical repeat
 * needs no parse, and a hit needs nothing on `req`): see HeldBody.
 */
export function readRawBody(
  req: CacheRequest,
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

/**
 * A body the middleware read, put on the request (`rawBody`, and `body` when it is JSON) only once something
 * else will look at it: a hit answers without, and each property added to a request behind Express costs.
 */
export class HeldBody {
  raw: Buffer | undefined;
  json: unknown;
  private attached = false;
  constructor(private readonly req: CacheRequest) {}

  /** Parses the held bytes (once). */
  parse(): unknown {
    if (this.json === undefined && this.raw !== undefined) this.json = parseJson(this.raw);
    return this.json;
  }

  /** Sets req.rawBody and req.body, for whatever handles the request next. */
  attach(): void {
    if (this.attached || this.raw === undefined) return;
    this.attached = true;
    this.req.rawBody = this.raw;
    const json = this.parse();
    if (json !== undefined) this.req.body = json;
  }
}

/** Request headers that describe the client's own connection (RFC 9110 7.6.1), never the upstream's. */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade'];
/** Framing the upstream request needs, whatever a client's `Connection` names. */
const FRAMING = new Set(['host', 'content-length', 'transfer-encoding']);

/**
 * Drops the client's hop-by-hop headers, and those its `Connection` names, from the proxied request. http-proxy
 * forwards them when it has an agent: a client's `Connection: close` then reaches the provider on a pooled
 * socket, which the provider closes after answering while the agent may hand it to another client's request
 * (seen: a 400 for the next request after a stream whose answer said `keep-alive`).
 */
function dropHopByHop(proxyReq: ClientRequest): void {
  const named = proxyReq.getHeader('connection');
  const tokens = Array.isArray(named) ? named.join(',') : typeof named === 'string' ? named : '';
  for (const token of tokens.split(',')) {
    const name = token.trim().toLowerCase();
    if (name && !FRAMING.has(name)) proxyReq.removeHeader(name);
  }
  for (const name of HOP_BY_HOP) proxyReq.removeHeader(name);
}

/**
 * For http-proxy-middleware 3 and 4: `on: { proxyReq: proxyRequestBody }`. Re-sends the body that
 * `responseCache` (or express.json) consumed, byte for byte when the raw bytes are known, else as JSON; and
 * drops the client's hop-by-hop headers, which are not the upstream connection's.
 */
export function proxyRequestBody(proxyReq: ClientRequest, req: CacheRequest): void {
  dropHopByHop(proxyReq);
  if (!req.readableEnded) return; // Not consumed (too large, GET): the proxy pipes it itself.
  let bytes: Buffer | undefined = req.rawBody;
  if (!Buffer.isBuffer(bytes)) {
    if (req.body === undefined) return;
    bytes = Buffer.from(typeof req.body === 'string' ? req.body : JSON.stringify(req.body));
  }
  proxyReq.removeHeader('transfer-encoding');
  proxyReq.setHeader('content-length', bytes.length);
  proxyReq.write(bytes);
}
