import type { Clock, Logger } from './types';

export const systemClock: Clock = { now: () => Date.now() };

const noop = (): void => undefined;
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };

export const MB = 1024 * 1024;

/**
 * A seeded uniform [0, 1) generator (mulberry32): the randomness to inject where a run must repeat itself
 * (tests, benchmarks, simulations, demos). Not for anything secret.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** The namespace a key belongs to: its first `:`-separated segment when that is a known namespace. */
export function namespaceOf(
  key: string,
  known: { has(name: string): boolean },
  fallback = 'default',
): string {
  const at = key.indexOf(':');
  const head = at > 0 ? key.slice(0, at) : key;
  return known.has(head) ? head : fallback;
}

export function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as Promise<T> | undefined)?.then === 'function';
}
