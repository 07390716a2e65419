/**
 * Concurrent calls for one key share one execution: the first caller runs `fn`, the others await its
 * promise. The key is released as soon as the call settles, so an error reaches every waiter and is
 * never remembered for later callers.
 */
export interface SingleFlight {
  run<T>(key: string, fn: () => Promise<T>): Promise<T>;
  /** Whether a call for the key is in flight. */
  has(key: string): boolean;
  /** Calls in flight. */
  readonly size: number;
}

export function createSingleFlight(): SingleFlight {
  const inflight = new Map<string, Promise<unknown>>();
  return {
    run<T>(key: string, fn: () => Promise<T>): Promise<T> {
      const existing = inflight.get(key);
      if (existing) return existing as Promise<T>;
      const promise = (async () => {
        try {
          return await fn();
        } finally {
          inflight.delete(key);
        }
      })();
      inflight.set(key, promise);
      return promise;
    },
    has: (key) => inflight.has(key),
    get size() {
      return inflight.size;
    },
  };
}
