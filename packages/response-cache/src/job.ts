import type { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { CacheEntry } from '@gatecache/core';
import type { KeyResult, RouteInfo } from '@gatecache/cache-key';
import type { Accounting } from './accounting';
import type { RequestControls } from './controls';
import type { Flights } from './flight';
import type { CacheHeaderValues } from './headers';
import type { ResolvedOptions } from './options';
import { prepareAnswer, writeAnswer } from './replay';
import type { Revalidator } from './revalidate';
import type { TooLargeKeys } from './too-large';
import { ageSeconds } from './stale';
import type { CacheRequest } from './types';

/** One cacheable request on its way through the middleware (internal). */
export interface Job {
  req: CacheRequest;
  res: ServerResponse;
  /** Calls the next handler at most once. */
  next: () => void;
  keyed: KeyResult;
  /** The cache key: the keyer's, with the namespace override and variant bucket applied. */
  key: string;
  namespace: string;
  route: RouteInfo;
  controls: RequestControls;
  /** Freshness for the stored answer; undefined: the namespace's. */
  ttl: number | undefined;
  variant: number | undefined;
  /** The request method (read once: each read of a request property behind Express is a lookup). */
  method: string;
}

/** What the request paths share (internal). */
export interface Deps {
  o: ResolvedOptions;
  acct: Accounting;
  flights: Flights;
  events: EventEmitter;
  revalidator: Revalidator;
  tooLarge: TooLargeKeys;
}

/** The key for `X-Gatecache-Key`, when `exposeKey` allows it. */
export function exposedKey(job: Job, deps: Deps): string | undefined {
  return deps.o.exposeKey ? job.key : undefined;
}

/**
 * Answers the request from an entry; false when the entry cannot serve it (a kind it cannot be converted
 * from), which the caller treats as a miss.
 */
export function serveEntry(
  job: Job,
  deps: Deps,
  entry: CacheEntry,
  values: Omit<CacheHeaderValues, 'key' | 'age'>,
): boolean {
  let answer;
  try {
    answer = prepareAnswer(entry, job.route);
  } catch (err) {
    deps.o.logger.warn('gatecache: entry could not be converted for this request', {
      key: job.key,
      error: (err as Error).message,
    });
    return false;
  }
  if (!answer) return false;
  // One object shape for every hit (spreads make a new one per call, and slow down whoever reads it).
  const headerValues: CacheHeaderValues = {
    outcome: values.outcome,
    status: values.status,
    age: ageSeconds(entry, deps.o.clock.now()),
    key: exposedKey(job, deps),
  };
  writeAnswer(job.res, answer, headerValues, job.method === 'HEAD');
  return true;
}
