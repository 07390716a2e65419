import type { CacheEntry } from '@gatecache/core';
import { headRefusal, isEventStream } from '@gatecache/providers';
import { captureResponse } from './capture';
import type { CapturedHead } from './capture';
import { exposedKey } from './context';
import type { Deps, Job } from './context';
import { failResponse } from './errors';
import type { Flight } from './flight';
import { isUpstreamFailure, ttlSeconds } from './freshness';
import { cacheStatus, setCacheHeaders } from './headers';
import { serveEntry } from './hit';
import { storeAnswer, tooLargeAtHead } from './store';

export interface ForwardOptions {
  /** The in-process flight this call leads; waiters receive what it receives. */
  flight?: { flight: Flight; key: string };
  /** A stale entry to serve if the upstream fails (stale-if-error). */
  fallback?: CacheEntry;
  /** Cache-Status `fwd`: 'request' when the request's directives forced the trip. */
  fwd: 'miss' | 'request';
  /** Called once the call is settled and its answer stored (or not): releases a distributed lock. */
  release?: () => void;
}

/**
 * Sends the request on to the next handler (the proxy) and tees its answer: the client gets every byte as
 * it comes, waiters get the same bytes live, and once the answer is complete it is checked and stored.
 * With a stale-if-error fallback, a failing answer (5xx, 429, no head within `timeouts.upstreamMs`) is kept
 * from the client and the stale entry is served instead.
 */
export function forward(job: Job, deps: Deps, options: ForwardOptions): void {
  const { res } = job;
  const { o, acct, events } = deps;
  const flight = options.flight?.flight;
  const fallback = options.fallback;
  const chunks: Buffer[] = [];
  let head: CapturedHead | undefined;
  let diverted = false;
  let finished = false;
  let timer: NodeJS.Timeout | undefined;
  /** Bytes held so far; past `maxEntryBytes` nothing more is held and the answer will not be stored. */
  let held = 0;
  let tooLarge = false;
  /** The client left; the answer goes on only while someone wants it (see wanted). */
  let orphaned = false;
  let drainTimer: NodeJS.Timeout | undefined;
  let drainOver = false;

  /** Idempotent: drops the flight and releases the lock. */
  const finish = (): void => {
    if (finished) return;
    finished = true;
    if (timer) clearTimeout(timer);
    if (drainTimer) clearTimeout(drainTimer);
    if (options.flight) deps.flights.finish(options.flight.key, options.flight.flight);
    options.release?.();
  };

  /** Whether the store would take this answer, as far as is known yet. */
  const storeWants = (): boolean =>
    !diverted && !tooLarge && job.ttl !== 0 && (head === undefined || headRefusal(head) === undefined);
  /**
   * After its client left, an answer is worth its upstream call while a coalesced waiter still reads it
   * (without a time limit: each is a client of its own), or while the store would take it, for
   * `drainAfterCloseMs` at most.
   */
  const wanted = (): boolean => (flight?.waiters ?? 0) > 0 || (!drainOver && storeWants());
  const reconsider = (): void => {
    if (orphaned && !finished && !wanted()) capture.release();
  };

  /** The answer passed the size cap: let go of what was held, and of the flight and lock others wait on. */
  const overflow = (): void => {
    tooLarge = true;
    chunks.length = 0;
    // Only a storable answer says something about the next one (a large error page does not).
    if (head && headRefusal(head) === undefined) deps.tooLarge.add(job.key, o.clock.now());
    if (options.flight) {
      flight?.stopKeeping();
      // Later requests go upstream themselves rather than join a flight that cannot replay its start; other
      // instances stop waiting on the lock for an answer that will not be stored.
      deps.flights.finish(options.flight.key, options.flight.flight);
    }
    options.release?.();
    reconsider();
  };

  const divert = (upstream: number | 'timeout'): void => {
    if (diverted || !fallback || res.headersSent) return;
    diverted = true;
    capture.swallow();
    capture.clearHandlerHeaders();
    const now = o.clock.now();
    const status = cacheStatus.staleIfError(ttlSeconds(fallback, now), upstream);
    const served = capture.direct(() => serveEntry(job, deps, fallback, { outcome: 'STALE', status }));
    if (!served) {
      capture.direct(() => failResponse(res, false));
      return;
    }
    acct.count('stale');
    o.logger.warn('gatecache: upstream failed; served a stale entry', { key: job.key, upstream });
    flight?.answerWith(
      fallback,
      upstream === 'timeout' ? 'stale-if-error-timeout' : 'stale-if-error',
      upstream === 'timeout' ? undefined : upstream,
    );
    // Later requests try the upstream themselves rather than wait on a call that already failed this one; a
    // late answer may never reach the capture (http-proxy drops answers for finished responses), so let go now.
    finish();
  };

  const store = async (): Promise<void> => {
    const built = head ? await storeAnswer(job, deps, { head, chunks, tooLarge }) : undefined;
    finish();
    // Every request this call answered whole saved its own call: priced by the answer's usage, once known.
    if (built && flight) for (let i = 0; i < flight.served; i++) acct.saved(job.key, job.namespace, built);
  };

  const capture = captureResponse(
    res,
    {
      onHead(h) {
        head = h;
        if (timer) clearTimeout(timer);
        if (diverted) return 'swallow';
        if (fallback && isUpstreamFailure(h.status)) {
          divert(h.status);
          if (diverted) return 'swallow';
        }
        const storable = headRefusal(h) === undefined && job.ttl !== 0;
        const large = storable && tooLargeAtHead(h, job.key, deps);
        setCacheHeaders(res, {
          outcome: 'MISS',
          status: large ? cacheStatus.tooLarge(options.fwd) : cacheStatus.miss(options.fwd),
          key: exposedKey(job, deps),
        });
        flight?.head(h);
        if (large) overflow();
        else reconsider();
        return 'pass';
      },
      onChunk(chunk) {
        if (!tooLarge) {
          held += chunk.length;
          if (held > o.maxEntryBytes) overflow();
          else chunks.push(chunk);
        }
        if (!diverted) flight?.chunk(chunk);
      },
      onEnd() {
        if (!diverted) flight?.end();
        // Called from inside res.end(): checking and storing the answer (parsing a whole stream, hashing it)
        // waits until the client's last bytes are on their way.
        process.nextTick(() => void store());
      },
      onAbort(reason) {
        acct.count('notStored');
        events.emit('not-stored', { key: job.key, reason });
        if (!diverted) {
          flight?.fail();
          if (reason === 'upstream-aborted') {
            capture.swallow();
            capture.direct(() => failResponse(res, head !== undefined && isEventStream(head.headers)));
          }
        }
        finish();
      },
      onClientGone() {
        orphaned = true;
        drainOver = o.drainAfterCloseMs === 0;
        if (!wanted()) return 'release';
        if (flight) flight.onIdle = reconsider;
        drainTimer = setTimeout(() => {
          drainOver = true;
          reconsider();
        }, o.drainAfterCloseMs);
        drainTimer.unref();
        return 'keep';
      },
    },
    { rememberHeaders: fallback !== undefined, streaming: job.route.streaming },
  );

  if (fallback) {
    timer = setTimeout(() => {
      if (!head) divert('timeout');
    }, o.upstreamTimeoutMs);
    timer.unref();
  }
  job.next();
}
