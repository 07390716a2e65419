import type { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { KeyRequest, KeyResult, RouteInfo } from '@gatecache/cache-key';
import type { Accounting } from './accounting';
import type { HeldBody } from './body';
import type { RequestControls } from './controls';
import type { Flights } from './flight';
import type { ResolvedOptions } from './options';
import type { Revalidator } from './revalidate';
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
  /** The request's `x-gatecache-*` headers, taken off it; a background refresh replays them. */
  controlHeaders: Readonly<Record<string, string>>;
  /** The body the middleware read; attached to the request for whatever handles it next. */
  held: HeldBody;
  /** What the key was computed from, for the keyer to remember once the cache answers a repeat. */
  keyRequest: KeyRequest | undefined;
  /** Freshness for the stored answer; undefined: the namespace's. */
  ttl: number | undefined;
  variant: number | undefined;
  /** The request method (read once: each read of a request property behind Express is a lookup). */
  method: string;
}

/**
 * Keys remembered for a while (store.ts keeps those whose last answer was too large to hold). Declared here
 * so that this file imports nothing that imports it.
 */
export interface KeyMemory {
  add(key: string, now: number): void;
  has(key: string, now: number): boolean;
  delete(key: string): void;
}

/** What the request paths share (internal). */
export interface Deps {
  o: ResolvedOptions;
  acct: Accounting;
  flights: Flights;
  events: EventEmitter;
  revalidator: Revalidator;
  tooLarge: KeyMemory;
}

/** The key for `X-Gatecache-Key`, when `headers.exposeKey` allows it. */
export function exposedKey(job: Job, deps: Deps): string | undefined {
  return deps.o.exposeKey ? job.key : undefined;
}
