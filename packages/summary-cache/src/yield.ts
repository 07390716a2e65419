import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * A cooperative slice of work: `maybeYield()` gives the event loop back (one setImmediate turn) once `sliceMs`
 * have passed since the last time. Promise chains that resolve at once (memory-tier cache hits, a summarizer that
 * answers from memory) never leave the microtask queue otherwise, however long they run.
 */
export function createYielder(sliceMs: number): { maybeYield(): Promise<void> | undefined } {
  let since = performance.now();
  return {
    maybeYield() {
      if (performance.now() - since < sliceMs) return undefined;
      return nextTurn().then(() => {
        since = performance.now();
      });
    },
  };
}
