import type { Clock } from '@gatecache/core';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** One structured event; `time` is set by the log when left out. */
export interface LogEntry {
  /** Milliseconds since the epoch. */
  time: number;
  level: LogLevel;
  /** What happened: `purge`, `tier-error`, `corrupt`, `evict`, `validation`, ... */
  type: string;
  message?: string;
  [field: string]: unknown;
}

export interface EventLog {
  /** Capacity: the oldest entry is dropped when a new one would exceed it. */
  readonly size: number;
  push(entry: Omit<LogEntry, 'time'> & { time?: number }): LogEntry;
  /** Newest first; `level` keeps that level and the ones above it (warn keeps warn and error). */
  list(filter?: { level?: LogLevel; type?: string; limit?: number }): LogEntry[];
  /** The newest entry, for coalescing repeated events. */
  last(): LogEntry | undefined;
  clear(): void;
}

/** A bounded ring buffer of structured events (audit log, cache events, warming runs). */
export function createEventLog(size = 1000, clock: Clock = { now: () => Date.now() }): EventLog {
  if (!(Number.isInteger(size) && size > 0)) {
    throw new Error(`createEventLog: size must be a positive integer (got ${String(size)})`);
  }
  const ring: (LogEntry | undefined)[] = new Array<LogEntry | undefined>(size);
  let next = 0;
  let count = 0;
  const at = (age: number): LogEntry | undefined => ring[(next - 1 - age + size) % size];
  return {
    size,
    push(entry) {
      const full = { ...entry, time: entry.time ?? clock.now() } as LogEntry;
      ring[next] = full;
      next = (next + 1) % size;
      count = Math.min(count + 1, size);
      return full;
    },
    list(filter = {}) {
      const min = filter.level ? LOG_LEVELS.indexOf(filter.level) : 0;
      const limit = filter.limit ?? size;
      const out: LogEntry[] = [];
      for (let age = 0; age < count && out.length < limit; age++) {
        const e = at(age) as LogEntry;
        if (LOG_LEVELS.indexOf(e.level) < min) continue;
        if (filter.type && e.type !== filter.type) continue;
        out.push(e);
      }
      return out;
    },
    last() {
      return count === 0 ? undefined : at(0);
    },
    clear() {
      ring.fill(undefined);
      next = 0;
      count = 0;
    },
  };
}
