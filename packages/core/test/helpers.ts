import type { Clock } from '../src/types';

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
