import type { Clock } from '@gatecache/core';
import { scanKeys } from './scan';
import type { RedisClient } from './types';

export interface KeyFigure {
  entries: number;
  /** Estimated: mean `MEMORY USAGE` of a sample of keys times the entry count. */
  bytes: number;
  namespaces: Record<string, { entries: number; bytes: number }>;
  /** When the figure was taken (clock ms); undefined for "never" or "recount on next call". */
  at: number | undefined;
}

export interface KeyCounterOptions {
  client: RedisClient;
  /** Full SCAN MATCH pattern of the tier's keys. */
  match: string;
  /** The prefix ioredis adds itself (MEMORY USAGE is a keyed command, so it adds it again). */
  clientPrefix: string;
  /** Characters of every stored key before the cache key (all prefixes). */
  stripLength: number;
  scanCount: number;
  maxAgeMs: number;
  clock: Clock;
  /** Keys whose MEMORY USAGE is sampled per count. Default 32. */
  sampleSize?: number;
  /** How long a caller waits for a recount before it gets the previous figure. Default 50 ms. */
  waitMs?: number;
}

export interface KeyCounter {
  /** The current figure: cached, or recounted when older than `maxAgeMs` (waiting at most `waitMs`). */
  current(): Promise<KeyFigure>;
  /** Forget the figure after a purge, so the next stats call recounts. */
  invalidate(): void;
}

const EMPTY: KeyFigure = { entries: 0, bytes: 0, namespaces: {}, at: undefined };

/**
 * Entry counts for `stats()`, taken by scanning the tier's keys at most once per `maxAgeMs`, so a stats
 * endpoint polled every second does not walk the keyspace every second. A caller never waits longer than
 * `waitMs` for a recount: a slow scan keeps running and the previous figure is returned meanwhile.
 */
export function createKeyCounter(options: KeyCounterOptions): KeyCounter {
  const { client, match, clientPrefix, stripLength, scanCount, maxAgeMs, clock } = options;
  const { sampleSize = 32, waitMs = 50 } = options;
  let figure: KeyFigure = EMPTY;
  let running: Promise<KeyFigure> | undefined;

  async function recount(): Promise<KeyFigure> {
    const started = clock.now();
    const perNs = new Map<string, number>();
    const sample: string[] = [];
    let entries = 0;
    for await (const { keys } of scanKeys(client, match, scanCount)) {
      entries += keys.length;
      for (const key of keys) {
        const rest = key.slice(stripLength);
        const at = rest.indexOf(':');
        const ns = at > 0 ? rest.slice(0, at) : 'default';
        perNs.set(ns, (perNs.get(ns) ?? 0) + 1);
        if (sample.length < sampleSize) sample.push(key.slice(clientPrefix.length));
      }
    }
    const sizes = await Promise.all(
      sample.map((key) => (client.call('MEMORY', 'USAGE', key) as Promise<number | null>).catch(() => null)),
    );
    const known = sizes.filter((n): n is number => typeof n === 'number');
    const mean = known.length ? known.reduce((a, b) => a + b, 0) / known.length : 0;
    const namespaces = Object.fromEntries(
      [...perNs].map(([ns, n]) => [ns, { entries: n, bytes: Math.round(n * mean) }]),
    );
    return { entries, bytes: Math.round(entries * mean), namespaces, at: started };
  }

  return {
    async current(): Promise<KeyFigure> {
      if (figure.at !== undefined && clock.now() - figure.at < maxAgeMs) return figure;
      running ??= recount()
        .then((f) => (figure = f))
        // A failed count (Redis away) keeps the last figure; the next call tries again.
        .catch(() => figure)
        .finally(() => (running = undefined));
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<KeyFigure>((resolve) => {
        timer = setTimeout(() => resolve(figure), waitMs);
      });
      try {
        return await Promise.race([running, late]);
      } finally {
        clearTimeout(timer);
      }
    },
    invalidate(): void {
      figure = { ...figure, at: undefined };
    },
  };
}
