import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeRecord } from '@gatecache/core';
import type { Clock, StoredRecord } from '@gatecache/core';

export interface ManualClock extends Clock {
  advance(ms: number): void;
}

export function manualClock(start = 1_700_000_000_000): ManualClock {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

/** A fresh temp folder per test, removed by `cleanup`. */
export function tempDirs(): { make(): string; cleanup(): void } {
  const made: string[] = [];
  return {
    make() {
      const dir = mkdtempSync(join(tmpdir(), 'gatecache-disk-'));
      made.push(dir);
      return dir;
    },
    cleanup() {
      for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Apparent bytes of a folder, as the real `du -sb` reports them. */
export function du(dir: string): number {
  return Number(execFileSync('du', ['-sb', dir], { encoding: 'utf8' }).split('\t')[0]);
}

/** Every content file cacache holds under a cache folder. */
export function contentFiles(dir: string): string[] {
  const root = join(dir, 'content-v2', 'sha512');
  const out: string[] = [];
  const walk = (d: string): void => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const name of names) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk(root);
  return out;
}

/** A record as the cache would hand it to an encoded tier. */
export function record(
  key: string,
  body: Buffer | string,
  clock: Clock,
  ttlMs = 60_000,
  staleMs = 0,
): Promise<StoredRecord> {
  const now = clock.now();
  const timing = { createdAt: now, expiresAt: now + ttlMs, staleUntil: now + ttlMs + staleMs };
  return encodeRecord(key, key.split(':')[0] ?? 'default', Buffer.from(body), timing, { tags: [] });
}

/** Incompressible bytes, so sizes on disk are predictable. */
export function noise(bytes: number, seed: number): Buffer {
  const out = Buffer.alloc(bytes);
  let x = seed * 2654435761 + 1;
  for (let i = 0; i < bytes; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
