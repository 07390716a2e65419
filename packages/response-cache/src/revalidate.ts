import { setOwn } from '@gatecache/core';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { Logger } from '@gatecache/core';
import type { CacheRequest } from './types';

/** Internal header that marks a background refresh; stripped before upstream like every `x-gatecache-*`. */
export const REVALIDATE_HEADER = 'x-gatecache-revalidate';

const NOT_REPLAYED = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'expect',
  'upgrade',
  'cache-control',
  'pragma',
]);

export interface RevalidatorOptions {
  logger: Logger;
  /** Give up on a refresh after this long (ms). */
  timeoutMs: number;
  /** Called when a refresh finishes: the status the server answered, or 0 when it failed. */
  onDone?: (key: string, status: number) => void;
  randomBytes?: (size: number) => Buffer;
}

export interface Revalidator {
  /** Whether the (stripped) control headers mark one of our own refreshes: the header carries this process's token. */
  isRevalidation(controlHeaders: Readonly<Record<string, string>>): boolean;
  /** Starts a background refresh of `key` unless one is running; true when one was started. */
  trigger(key: string, req: CacheRequest, controlHeaders: Readonly<Record<string, string>>): boolean;
  readonly running: number;
}

/**
 * Stale-while-revalidate by loopback: the request is replayed to the server it arrived on (its socket's
 * local address and port) with a per-process secret header, so the refresh runs through the whole
 * downstream chain (auth, proxy, hooks) exactly like a client request, and the middleware stores the answer.
 */
export function createRevalidator(options: RevalidatorOptions): Revalidator {
  const token = (options.randomBytes ?? randomBytes)(24).toString('base64url');
  const tokenBytes = Buffer.from(token);
  const running = new Set<string>();

  return {
    isRevalidation(controlHeaders) {
      const v = controlHeaders[REVALIDATE_HEADER];
      if (typeof v !== 'string' || v.length !== token.length) return false;
      return timingSafeEqual(Buffer.from(v), tokenBytes);
    },
    trigger(key, req, controlHeaders) {
      if (running.has(key)) return false;
      const socket = req.socket;
      if (!socket?.localPort) return false;
      running.add(key);
      const headers: http.OutgoingHttpHeaders = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (!NOT_REPLAYED.has(name) && value !== undefined) setOwn(headers, name, value);
      }
      for (const [name, value] of Object.entries(controlHeaders)) {
        if (name !== 'x-gatecache-bypass' && name !== REVALIDATE_HEADER) setOwn(headers, name, value);
      }
      headers[REVALIDATE_HEADER] = token;
      const body =
        req.rawBody ?? (req.body !== undefined ? Buffer.from(JSON.stringify(req.body)) : undefined);
      if (body) headers['content-length'] = body.length;
      const encrypted = (socket as TLSSocket).encrypted === true;
      const done = (status: number): void => {
        if (!running.delete(key)) return;
        options.onDone?.(key, status);
      };
      const requestOptions: https.RequestOptions = {
        host: socket.localAddress,
        port: socket.localPort,
        method: req.method,
        path: req.originalUrl ?? req.url,
        headers,
        agent: false,
        timeout: options.timeoutMs,
        // The loopback target is this very server, whose certificate names the public host, not the socket address.
        ...(encrypted
          ? { rejectUnauthorized: false, servername: String(req.headers.host ?? '').split(':')[0] }
          : {}),
      };
      const out = (encrypted ? https : http).request(requestOptions, (res) => {
        res.resume();
        res.once('end', () => done(res.statusCode ?? 0));
        res.once('error', () => done(0));
        res.once('close', () => done(res.complete ? (res.statusCode ?? 0) : 0));
      });
      out.once('timeout', () => out.destroy(new Error('revalidation timed out')));
      out.once('error', (err) => {
        options.logger.warn('gatecache: background revalidation failed', { key, error: err.message });
        done(0);
      });
      out.end(body);
      return true;
    },
    get running() {
      return running.size;
    },
  };
}
