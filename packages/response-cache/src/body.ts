import type { ClientRequest } from 'node:http';
import { parseJsonBody } from '@gatecache/providers';
import type { CacheRequest } from './types';

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
    if (this.json === undefined && this.raw !== undefined) this.json = parseJsonBody(this.raw);
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
