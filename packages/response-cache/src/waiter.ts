import type { ServerResponse } from 'node:http';
import { contentEncodingOf, isEventStream } from '@gatecache/providers';
import type { Flight } from './flight';
import { exposedKey } from './context';
import type { Deps, Job } from './context';
import { failResponse, writeMissTimeout } from './errors';
import { ttlSeconds } from './freshness';
import { cacheStatus, shareableHeaders } from './headers';
import { serveEntry } from './hit';

type Flushable = ServerResponse & { flush?: () => void };

/** Whether the client's Accept-Encoding admits a content coding (RFC 9110 12.5.3, q=0 refuses). */
export function acceptsEncoding(header: string | string[] | undefined, coding: string): boolean {
  if (coding === 'identity') return true;
  const value = Array.isArray(header) ? header.join(',') : (header ?? '');
  for (const part of value.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (name !== coding && name !== '*') continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  }
  return false;
}

/**
 * Answers a request with another request's upstream call: the head when it arrives, then every chunk as
 * the leader receives it (a stream reaches each waiter live), or the entry the leader answered with. When
 * the leader fails before its head (or its encoding does not suit this client), `goAlone` sends this
 * request upstream by itself.
 */
export function joinFlight(job: Job, deps: Deps, flight: Flight, goAlone: () => void): void {
  const res = job.res as Flushable;
  const { o, acct } = deps;
  let started = false;
  let sse = false;
  let gone = false;

  // join() may call back before it returns its unsubscribe function: hold it in a box filled afterwards.
  const subscription: { off?: () => void } = {};
  const leave = (): void => {
    gone = true;
    clearTimeout(deadline);
    subscription.off?.();
  };
  // A follower waits for the leader's head at most followerWaitMs: a hung upstream call without a timeout of
  // its own must not hold every request that joined it for as long as it hangs.
  const deadline = setTimeout(() => {
    if (gone || started || res.headersSent) return;
    leave();
    writeMissTimeout(
      res,
      'upstream_timeout',
      `no answer from the upstream call this request joined within ${o.followerWaitMs} ms`,
      `${cacheStatus.collapsed()}; detail=follower-timeout`,
      exposedKey(job, deps),
    );
  }, o.followerWaitMs);
  deadline.unref();
  const alone = (): void => {
    if (gone) return;
    leave();
    goAlone();
  };

  subscription.off = flight.join({
    head(head) {
      if (gone) return;
      if (!acceptsEncoding(job.req.headers['accept-encoding'], contentEncodingOf(head.headers))) {
        alone();
        return;
      }
      started = true;
      clearTimeout(deadline);
      sse = isEventStream(head.headers);
      const key = exposedKey(job, deps);
      const headers = {
        ...shareableHeaders(head.headers),
        'x-cache': 'MISS',
        'cache-status': cacheStatus.collapsed(),
        ...(key !== undefined ? { 'x-gatecache-key': key } : {}),
      };
      res.writeHead(head.status, headers);
      if (sse) res.flushHeaders();
    },
    chunk(chunk) {
      if (gone || !started) return;
      res.write(chunk);
      if (sse) res.flush?.();
    },
    end() {
      if (gone || !started) return;
      // Served whole by the leader's call: coalesced (the leader accounts its saved tokens once it has them).
      acct.count('collapsed');
      res.end();
    },
    fail(leaderStarted) {
      clearTimeout(deadline);
      if (gone) return;
      if (!started || !leaderStarted) alone();
      else failResponse(res, sse);
    },
    entry(entry, reason, upstream) {
      clearTimeout(deadline);
      if (gone) return;
      const now = o.clock.now();
      const status =
        reason === 'lock-wait'
          ? cacheStatus.collapsed()
          : cacheStatus.staleIfError(ttlSeconds(entry, now), upstream ?? 'timeout');
      const outcome = reason === 'lock-wait' ? 'MISS' : 'STALE';
      if (!serveEntry(job, deps, entry, { outcome, status })) {
        alone();
        return;
      }
      if (reason === 'lock-wait') {
        acct.count('collapsed');
        acct.saved(job.key, job.namespace, entry);
      } else {
        acct.count('stale');
      }
    },
  });
  if (gone) subscription.off();
  res.once('close', leave);
}
