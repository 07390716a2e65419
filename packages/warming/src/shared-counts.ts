import { optionChecker } from '@gatecache/core';
import type { Clock, Logger, OptionChecker } from '@gatecache/core';
import { DEFAULTS } from './defaults';
import { redisPopularityStore } from './shared-popularity';
import type { BucketCounts, PopularityClient, PopularityStore } from './shared-popularity';

/** `accessTracker({ shared })`: pool popularity counts with the other instances. */
export interface SharedPopularityOptions {
  /** An ioredis `Redis` or `Cluster` (the caller owns the connection). One of `client` / `store` is required. */
  client?: PopularityClient;
  /** Any other shared store (an adapter); used instead of `client`. */
  store?: PopularityStore;
  /** Prefix of the Redis keys. Defaults: `DEFAULTS.accessTracker.shared`. */
  keyPrefix?: string;
  /** How often local increments are sent and the shared top keys read back, ms. */
  flushIntervalMs?: number;
  /** Members kept per bucket sorted set (the rest trimmed after each flush). */
  maxKeys?: number;
  /** Distinct keys batched between flushes; past it only keys in the local top-K are batched. */
  maxPending?: number;
  /** A flush without an answer within this many ms counts as a failure. */
  timeoutMs?: number;
}

export interface SharedStats {
  /** `pending` until the first answer; `down` after a failed or timed-out flush, until one succeeds. */
  state: 'pending' | 'up' | 'down';
  flushes: number;
  failures: number;
  /** When the shared counts were last read back (clock ms), or null. */
  lastSyncAt: number | null;
  /** Distinct keys batched for the next flush. */
  pendingKeys: number;
  /** Increments not batched because the batch was full (still counted locally). */
  dropped: number;
  /** Keys in the last read-back. */
  keys: number;
}

/** The tracker's side of sharing: batches increments, flushes them, keeps the last read-back. */
export interface SharedCounts {
  add(key: string, at: number, tracked: boolean): void;
  /** Requests for the key across instances within the window ending at `now` (sliding-window estimate). */
  recent(key: string, now: number): number;
  /** Keys of the last read-back. */
  keys(): Iterable<string>;
  /** Flushes what was recorded so far and reads back; never rejects (failures change `state`). */
  sync(): Promise<void>;
  stats(): SharedStats;
  close(): void;
}

interface Deps {
  windowSeconds: number;
  topK: number;
  clock: Clock;
  logger: Logger;
}

export function sharedCounts(options: SharedPopularityOptions, deps: Deps): SharedCounts {
  const check: OptionChecker = optionChecker('accessTracker', 'shared.');
  const d = DEFAULTS.accessTracker.shared;
  check.object('', options);
  if (!options.client === !options.store) {
    check.fail('', 'needs exactly one of shared.client (ioredis) or shared.store');
  }
  if (options.keyPrefix !== undefined && typeof options.keyPrefix !== 'string') {
    check.fail('keyPrefix', 'must be a string');
  }
  const flushIntervalMs = check.positiveInt('flushIntervalMs', options.flushIntervalMs, d.flushIntervalMs);
  const maxKeys = check.positiveInt('maxKeys', options.maxKeys, deps.topK * d.maxKeysPerTopK);
  const maxPending = check.positiveInt('maxPending', options.maxPending, maxKeys);
  const timeoutMs = check.positiveInt('timeoutMs', options.timeoutMs, d.timeoutMs);
  const { clock, logger, topK } = deps;
  const widthMs = deps.windowSeconds * 1000;
  const store =
    options.store ??
    redisPopularityStore({
      client: options.client as PopularityClient,
      ...(options.keyPrefix !== undefined ? { keyPrefix: options.keyPrefix } : {}),
      bucketSeconds: deps.windowSeconds,
      maxKeys,
    });

  let pending: BucketCounts = new Map();
  let pendingKeys = 0;
  let snapshot: BucketCounts = new Map();
  let inFlight: Promise<void> | undefined;
  let closed = false;
  const waits = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  const figures = { flushes: 0, failures: 0, dropped: 0, lastSyncAt: null as number | null };
  let state: SharedStats['state'] = 'pending';

  const setState = (next: 'up' | 'down', err?: Error): void => {
    if (closed || next === state) return;
    const was = state;
    state = next;
    // Once per change, not per flush: an outage would otherwise log every few seconds.
    if (next === 'down') {
      logger.warn('gatecache: shared popularity store unavailable; counting locally until it is back', {
        error: err?.message,
      });
    } else if (was === 'down') {
      logger.info('gatecache: shared popularity store is back');
    }
  };

  const flush = (): Promise<void> => {
    if (inFlight) return inFlight;
    const current = Math.floor(clock.now() / widthMs);
    const batch = pending;
    pending = new Map();
    pendingKeys = 0;
    // A bucket is read only while current or previous: older increments would count for nobody.
    for (const bucket of batch.keys()) if (bucket < current - 1) batch.delete(bucket);
    const p = Promise.resolve()
      .then(() => store.exchange(batch, [current, current - 1], topK))
      .then(
        (counts) => {
          if (closed) return;
          snapshot = counts;
          figures.flushes++;
          figures.lastSyncAt = clock.now();
          setState('up');
        },
        (err: Error) => {
          // The batch is not retried: after a timeout it may still land, and counting it twice is worse.
          figures.failures++;
          setState('down', err);
        },
      )
      .finally(() => {
        inFlight = undefined;
      });
    inFlight = p;
    return p;
  };

  /** Waits for `p`, at most `timeoutMs`; a flush still unanswered by then marks the store down. */
  const bounded = (p: Promise<void>): Promise<void> =>
    new Promise<void>((resolve) => {
      const wait = {
        resolve,
        timer: setTimeout(() => {
          waits.delete(wait);
          if (inFlight === p) {
            figures.failures++;
            setState('down', new Error(`no answer within ${timeoutMs} ms`));
          }
          resolve();
        }, timeoutMs),
      };
      wait.timer.unref();
      waits.add(wait);
      void p.then(() => {
        clearTimeout(wait.timer);
        waits.delete(wait);
        resolve();
      });
    });

  const sync = async (): Promise<void> => {
    if (closed) return;
    // A flush already on its way left out what was recorded since: wait for it, then send the rest.
    if (inFlight) await bounded(inFlight);
    if (inFlight || closed) return;
    await bounded(flush());
  };

  const timer = setInterval(() => void sync(), flushIntervalMs);
  timer.unref();
  void sync();

  const known = (): Set<string> => {
    const keys = new Set<string>();
    for (const counts of snapshot.values()) for (const key of counts.keys()) keys.add(key);
    return keys;
  };

  const countOf = (counts: BucketCounts, bucket: number, key: string): number =>
    counts.get(bucket)?.get(key) ?? 0;

  return {
    add(key, at, tracked) {
      const bucket = Math.floor(at / widthMs);
      let counts = pending.get(bucket);
      const known = counts?.has(key) ?? false;
      // Past the cap only locally popular keys get in, so a flood of one-off keys cannot crowd them out;
      // the hard cap bounds even those.
      if (!known && (pendingKeys >= maxPending * 2 || (pendingKeys >= maxPending && !tracked))) {
        figures.dropped++;
        return;
      }
      if (!counts) {
        counts = new Map();
        pending.set(bucket, counts);
      }
      counts.set(key, (counts.get(key) ?? 0) + 1);
      if (!known) pendingKeys++;
    },
    recent(key, now) {
      const bucket = Math.floor(now / widthMs);
      const elapsed = (now - bucket * widthMs) / widthMs;
      const at = (b: number): number => countOf(snapshot, b, key) + countOf(pending, b, key);
      // Sliding-window estimate: all of the current bucket, the part of the previous still in the window.
      return at(bucket) + at(bucket - 1) * (1 - elapsed);
    },
    keys: known,
    sync,
    stats: () => ({ state, ...figures, pendingKeys, keys: known().size }),
    close() {
      closed = true;
      clearInterval(timer);
      for (const wait of waits) {
        clearTimeout(wait.timer);
        wait.resolve();
      }
      waits.clear();
    },
  };
}
