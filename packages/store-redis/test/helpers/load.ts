import type { Cache } from '@gatecache/core';
import type { Logger } from '@gatecache/core';

/** A logger that keeps what it was told, for asserting "logged once per state change". */
export function recordingLogger(): Logger & { lines: Array<{ level: string; message: string }> } {
  const lines: Array<{ level: string; message: string }> = [];
  const log = (level: string) => (message: string) => void lines.push({ level, message });
  return { lines, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

/**
 * Runs `workers` loops of cache.set/get over a small key set until stop() is called; counts calls made and
 * calls that threw (which must stay 0: a failing tier is never the caller's error).
 */
export function runLoad(
  cache: Cache,
  workers = 4,
): { stop(): Promise<{ calls: number; failures: unknown[] }> } {
  let running = true;
  let calls = 0;
  const failures: unknown[] = [];
  const loops = Array.from({ length: workers }, async (_, w) => {
    for (let i = 0; running; i++) {
      const key = `response:load:${(i * workers + w) % 40}`;
      try {
        if (i % 3 === 0) await cache.set(key, { body: `body ${i}` });
        else await cache.get(key);
      } catch (err) {
        failures.push(err);
      }
      calls++;
      // Yield to timers so the loop does not starve the test's own steps.
      if (i % 20 === 0) await new Promise((r) => setImmediate(r));
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return { calls, failures };
    },
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
