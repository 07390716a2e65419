import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { normalizeHeaders } from './headers';

export interface CapturedHead {
  status: number;
  headers: OutgoingHttpHeaders;
}

/** Why a captured response will not complete. */
export type AbortReason = 'client-closed' | 'upstream-aborted';

export interface CaptureHandlers {
  /** The head is about to leave; answer 'swallow' to keep it, and all that follows, from the client. */
  onHead(head: CapturedHead): 'pass' | 'swallow';
  onChunk(chunk: Buffer): void;
  /** The handler ended the response (or the orphaned upstream body ended). */
  onEnd(): void;
  /** The response cannot complete; called at most once, never after onEnd. */
  onAbort(reason: AbortReason): void;
  /**
   * The response closed (the client left, or it was answered another way) before the handler's answer ended.
   * 'keep': the handler does not see the 'close' (so a proxy does not abort its upstream call) and its
   * answer keeps flowing into the capture until it ends or `release()`. 'release' (the default): the capture
   * aborts, a piped source is destroyed and the handler sees the 'close'.
   */
  onClientGone?(): 'keep' | 'release';
}

export interface Capture {
  /** Runs `fn` with the response's own methods, past the tee: how the middleware answers a request itself. */
  direct<T>(fn: () => T): T;
  /** From now on the handler's writes are captured but kept from the client. */
  swallow(): void;
  readonly swallowing: boolean;
  /**
   * Removes the headers handlers set since the capture began (before answering the client another way).
   * Only with `rememberHeaders`; otherwise it does nothing.
   */
  clearHandlerHeaders(): void;
  /**
   * Gives up an answer kept after its client left: aborts the capture ('client-closed'), destroys the piped
   * source (a source piped later is destroyed on arrival) and lets the handler see the held 'close'.
   */
  release(): void;
}

type Callback = (err?: Error | null) => void;
type WriteArgs = [chunk?: unknown, encoding?: unknown, cb?: unknown];

function toBuffer(chunk: unknown, encoding: unknown): Buffer | undefined {
  if (chunk === undefined || chunk === null || typeof chunk === 'function') return undefined;
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') {
    return Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  }
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  return undefined;
}

function callbackOf(args: WriteArgs): Callback | undefined {
  for (const a of args) if (typeof a === 'function') return a as Callback;
  return undefined;
}

/**
 * Tees a response: wraps `writeHead`/`write`/`end` so the middleware sees status, headers and every body
 * chunk as they pass to the client, without buffering anything before the client gets it. Also watches a
 * piped source (http-proxy's upstream response, a fetch body): when it dies mid-answer the capture aborts.
 *
 * When the client leaves first, `onClientGone` decides whether the answer is still wanted (by coalesced
 * waiters, by the store). If so, the response's 'close' event is held back from everyone but the capture:
 * http-proxy-middleware destroys its upstream response on that event and pipe() unpipes on it, so holding
 * it is what keeps the upstream call alive; the handler's writes then go on into the capture only. The
 * event is emitted once the answer ends, fails or is released.
 */
export function captureResponse(
  res: ServerResponse,
  handlers: CaptureHandlers,
  options: { rememberHeaders?: boolean; streaming?: boolean } = {},
): Capture {
  const own = { writeHead: res.writeHead, write: res.write, end: res.end };
  // Only a capture that may answer another way needs them, and listing them is a cost on every miss.
  const headersBefore = options.rememberHeaders ? new Set(res.getHeaderNames()) : undefined;
  // compression() defines res.flush; present now only if compression wraps outside us, which is when calling it
  // helps. Looked up only for a streaming request: behind Express a missing property costs a prototype walk.
  const flush = options.streaming ? (res as ServerResponse & { flush?: () => void }).flush : undefined;
  let headSeen = false;
  let sse = false;
  let ended = false;
  let aborted = false;
  let swallowing = false;
  let directDepth = 0;
  let source: Readable | undefined;
  /** The answer goes on after the client left, its 'close' held back from the handler (see onClientGone). */
  let holding = false;
  /** A 'close' event to emit when the hold ends (none when the client left before the capture began). */
  let closeDue = false;
  let released = false;
  const ownEmit = res.emit;

  /** Emits a held 'close', after the current call: the handler's pipe and proxy clean up on it. */
  const letGo = (): void => {
    if (!holding) return;
    holding = false;
    if (!closeDue) return;
    closeDue = false;
    process.nextTick(() => ownEmit.call(res, 'close'));
  };
  const abort = (reason: AbortReason): void => {
    if (ended || aborted) return;
    aborted = true;
    handlers.onAbort(reason);
    letGo();
  };
  const finish = (): void => {
    if (ended || aborted) return;
    ended = true;
    handlers.onEnd();
    letGo();
  };
  const release = (): void => {
    if (released) return;
    released = true;
    swallowing = true;
    abort('client-closed');
    if (source && !source.destroyed) source.destroy();
    letGo();
  };
  const seeHead = (status: number, argHeaders: unknown): void => {
    if (headSeen) return;
    headSeen = true;
    const headers = { ...res.getHeaders(), ...normalizeHeaders(argHeaders) };
    sse = String(headers['content-type'] ?? '').startsWith('text/event-stream');
    if (handlers.onHead({ status, headers }) === 'swallow') swallowing = true;
  };

  res.writeHead = function writeHead(this: ServerResponse, ...args: unknown[]) {
    if (directDepth > 0) return own.writeHead.apply(res, args as never);
    const status = Number(args[0]);
    seeHead(status, typeof args[1] === 'string' ? args[2] : args[1]);
    if (swallowing) return res;
    return own.writeHead.apply(res, args as never);
  } as ServerResponse['writeHead'];

  res.write = function write(...args: WriteArgs): boolean {
    if (directDepth > 0) return own.write.apply(res, args as never);
    if (!headSeen) seeHead(res.statusCode, undefined);
    const buf = toBuffer(args[0], args[1]);
    if (buf?.length && !ended && !aborted) handlers.onChunk(buf);
    if (swallowing) {
      const cb = callbackOf(args);
      if (cb) process.nextTick(cb);
      return true;
    }
    const ok = own.write.apply(res, args as never);
    if (sse && flush) flush.call(res);
    return ok;
  } as ServerResponse['write'];

  res.end = function end(...args: WriteArgs): ServerResponse {
    if (directDepth > 0) return own.end.apply(res, args as never);
    if (!headSeen) seeHead(res.statusCode, undefined);
    const buf = toBuffer(args[0], args[1]);
    if (buf?.length && !ended && !aborted) handlers.onChunk(buf);
    finish();
    if (swallowing) {
      const cb = callbackOf(args);
      if (cb) process.nextTick(cb);
      return res;
    }
    return own.end.apply(res, args as never);
  } as ServerResponse['end'];

  res.on('pipe', (src: Readable) => {
    source = src;
    // Piped after the answer was given up: nobody wants it, stop the upstream call at its head.
    if (released) {
      src.destroy();
      return;
    }
    const gone = (): void => {
      if (!src.readableEnded) abort('upstream-aborted');
    };
    src.once('aborted', gone);
    src.once('close', gone);
    // IncomingMessage swallows its own errors without a listener; other streams would throw.
    src.on('error', gone);
  });

  /** The response closed before the answer ended; true when the answer goes on (the 'close' is held). */
  const closed = (): boolean => {
    if (ended || aborted || released || holding) return false;
    // The client is gone (or was answered another way): from now on the handler writes to the capture only.
    swallowing = true;
    if (handlers.onClientGone?.() === 'keep') {
      holding = true;
      return true;
    }
    release();
    return false;
  };

  // Listeners cannot stop other listeners of the same event: the event itself is held (see above).
  res.emit = function emit(this: ServerResponse, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'close' && closed()) {
      closeDue = true;
      return true;
    }
    return ownEmit.call(this, event, ...args);
  } as ServerResponse['emit'];
  // Gone while the middleware was still reading the cache: its 'close' was missed. Decided once the handler
  // started (the caller calls it right after this), as its writes to a dead socket would stall its pipe.
  if (res.destroyed) process.nextTick(closed);

  return new CaptureControl(
    () => directDepth++,
    () => directDepth--,
    () => (swallowing = true),
    () => swallowing,
    () => {
      if (!headersBefore || res.headersSent) return;
      for (const name of res.getHeaderNames()) if (!headersBefore.has(name)) res.removeHeader(name);
    },
    release,
  );
}

// A class, not an object literal with a getter: V8 builds such a literal on a slow path, once per miss.
class CaptureControl implements Capture {
  constructor(
    private readonly enter: () => void,
    private readonly leave: () => void,
    readonly swallow: () => void,
    private readonly isSwallowing: () => boolean,
    readonly clearHandlerHeaders: () => void,
    readonly release: () => void,
  ) {}
  direct<T>(fn: () => T): T {
    this.enter();
    try {
      return fn();
    } finally {
      this.leave();
    }
  }
  get swallowing(): boolean {
    return this.isSwallowing();
  }
}
