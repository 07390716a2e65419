import type { Clock, Logger } from '../src/types';

/** A clock the test moves by hand. */
export function manualClock(
  start = 1_700_000_000_000,
): Clock & { advance(ms: number): void; set(ms: number): void } {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
    set(ms: number) {
      now = ms;
    },
  };
}

/** A logger that keeps every line as `level:message`. */
export function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const log = (level: string) => (message: string) => lines.push(`${level}:${message}`);
  return { lines, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

/** An async function that counts its calls and, `ms` later, returns what `outcome` returns (or throws). */
export function slowCounted<T>(ms: number, outcome: () => T): (() => Promise<T>) & { calls: number } {
  const fn = Object.assign(
    async (): Promise<T> => {
      fn.calls++;
      await new Promise((r) => setTimeout(r, ms));
      return outcome();
    },
    { calls: 0 },
  );
  return fn;
}
