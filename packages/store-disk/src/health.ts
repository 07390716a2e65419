import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { TierHealth } from '@gatecache/core';
import type { Layout } from './layout';

let probes = 0;

/**
 * Write, then remove, a small file in the cache's tmp folder. Writing is the only honest test: a disk that
 * is full or mounted read-only still lists and reads.
 */
export async function probeHealth(
  name: string,
  layout: Layout,
  load: () => Promise<void>,
): Promise<TierHealth> {
  const started = performance.now();
  const latencyMs = (): number => Math.round((performance.now() - started) * 1000) / 1000;
  try {
    await load();
    const probe = join(layout.tmpDir, `.health-${process.pid}-${++probes}`);
    await mkdir(layout.tmpDir, { recursive: true });
    await writeFile(probe, Buffer.alloc(4096));
    await rm(probe, { force: true });
    return { ok: true, latencyMs: latencyMs() };
  } catch (err) {
    return {
      ok: false,
      message: `disk tier "${name}" cannot write to ${layout.root}: ${(err as Error).message}`,
      latencyMs: latencyMs(),
    };
  }
}
