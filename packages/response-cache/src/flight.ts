import type { CacheEntry } from '@gatecache/core';
import type { CapturedHead } from './capture';

/** How a leader answered from the cache instead of upstream; waiters answer the same way. */
export type EntryReason = 'stale-if-error' | 'stale-if-error-timeout' | 'lock-wait';

/** One waiter's view of a leader's answer, replayed from the start and then live. */
export interface FlightSubscriber {
  head(head: CapturedHead): void;
  chunk(chunk: Buffer): void;
  end(): void;
  /** The answer will not complete. `started`: this subscriber already received the head. */
  fail(started: boolean): void;
  /** The leader answered from a cache entry (stale-if-error, another instance's answer). */
  entry(entry: CacheEntry, reason: EntryReason, upstreamStatus?: number): void;
}

type State =
  | { kind: 'pending' }
  | { kind: 'streaming' }
  | { kind: 'ended' }
  | { kind: 'failed' }
  | { kind: 'entry'; entry: CacheEntry; reason: EntryReason; upstreamStatus?: number };

/**
 * One upstream call shared by concurrent identical requests. It keeps the head and chunks seen so far,
 * so a late joiner gets the whole answer, and fans every new chunk out to all subscribers as it arrives.
 */
export class Flight {
  headSeen?: CapturedHead;
  readonly chunks: Buffer[] = [];
  /** Called when the last subscriber leaves: the leader may stop a call nobody else wants. */
  onIdle?: () => void;
  /** Subscribers that received the whole answer (their `end()`): served without a call of their own. */
  served = 0;
  private state: State = { kind: 'pending' };
  private readonly subscribers = new Set<FlightSubscriber>();
  /** False once the answer is too large to hold: chunks are fanned out live but not kept for late joiners. */
  private keeping = true;

  get settled(): boolean {
    return this.state.kind === 'ended' || this.state.kind === 'failed' || this.state.kind === 'entry';
  }

  get waiters(): number {
    return this.subscribers.size;
  }

  /** Subscribes and replays what happened so far; returns the unsubscribe function. */
  join(sub: FlightSubscriber): () => void {
    const s = this.state;
    if (s.kind === 'entry') {
      sub.entry(s.entry, s.reason, s.upstreamStatus);
      return () => undefined;
    }
    if (s.kind === 'failed') {
      sub.fail(false);
      return () => undefined;
    }
    if (this.headSeen) {
      // Its start is gone: a late joiner goes upstream by itself (the leader also unlists such a flight).
      if (!this.keeping) {
        sub.fail(false);
        return () => undefined;
      }
      sub.head(this.headSeen);
      for (const chunk of this.chunks) sub.chunk(chunk);
    }
    if (s.kind === 'ended') {
      this.served++;
      sub.end();
      return () => undefined;
    }
    this.subscribers.add(sub);
    return () => {
      if (this.subscribers.delete(sub) && this.subscribers.size === 0) this.onIdle?.();
    };
  }

  /** Stops keeping chunks for late joiners and lets go of those kept: the answer is too large to hold. */
  stopKeeping(): void {
    this.keeping = false;
    this.chunks.length = 0;
  }

  head(head: CapturedHead): void {
    if (this.state.kind !== 'pending') return;
    this.state = { kind: 'streaming' };
    this.headSeen = head;
    this.each((sub) => sub.head(head));
  }

  chunk(chunk: Buffer): void {
    if (this.state.kind !== 'streaming') return;
    if (this.keeping) this.chunks.push(chunk);
    this.each((sub) => sub.chunk(chunk));
  }

  end(): void {
    if (this.settled) return;
    this.state = { kind: 'ended' };
    this.served += this.subscribers.size;
    this.each((sub) => sub.end());
    this.subscribers.clear();
  }

  fail(): void {
    if (this.settled) return;
    const started = this.headSeen !== undefined;
    this.state = { kind: 'failed' };
    this.each((sub) => sub.fail(started));
    this.subscribers.clear();
  }

  answerWith(entry: CacheEntry, reason: EntryReason, upstreamStatus?: number): void {
    if (this.settled || this.headSeen) return;
    this.state = {
      kind: 'entry',
      entry,
      reason,
      ...(upstreamStatus !== undefined ? { upstreamStatus } : {}),
    };
    this.each((sub) => sub.entry(entry, reason, upstreamStatus));
    this.subscribers.clear();
  }

  private each(fn: (sub: FlightSubscriber) => void): void {
    // Most flights have no waiter: no copy for them on every chunk of a long stream.
    if (this.subscribers.size === 0) return;
    // A subscriber may unsubscribe (or fail) while we iterate: walk a copy.
    for (const sub of [...this.subscribers]) fn(sub);
  }
}

/** The flights in progress in this process, by key (a key can have at most one). */
export class Flights {
  private readonly byKey = new Map<string, Flight>();

  get size(): number {
    return this.byKey.size;
  }

  /** Requests subscribed to a flight now. */
  get waiting(): number {
    let n = 0;
    for (const flight of this.byKey.values()) n += flight.waiters;
    return n;
  }

  find(key: string): Flight | undefined {
    return this.byKey.get(key);
  }

  start(key: string): Flight {
    const flight = new Flight();
    this.byKey.set(key, flight);
    return flight;
  }

  /** Forget the flight, unless another one replaced it meanwhile. */
  finish(key: string, flight: Flight): void {
    if (this.byKey.get(key) === flight) this.byKey.delete(key);
  }
}
