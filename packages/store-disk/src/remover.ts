import { rm, rmdir } from 'node:fs/promises';
import type { Logger } from '@gatecache/core';
import type { Removal } from './disk-index';

/** Deletes files and folders in the background while writes that need the same paths wait for it. */
export interface Remover {
  /**
   * Start deleting: files, then folders in order. Every path counts as in flight from this call on,
   * so a write that reuses one (same content, same fan-out folder) can wait instead of racing the delete.
   */
  run(removal: Removal): Promise<void>;
  /** Resolves when no delete of these paths is in flight. */
  settled(paths: readonly string[]): Promise<void>;
  /** Resolves when every delete started so far has finished. */
  idle(): Promise<void>;
}

export function createRemover(logger: Logger): Remover {
  const pending = new Map<string, Promise<void>>();

  const step = async (path: string, dir: boolean): Promise<void> => {
    try {
      if (dir) await rmdir(path);
      else await rm(path, { force: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // A folder that is not empty still holds something live (or a stray file); it stays.
      if (code !== 'ENOENT' && code !== 'ENOTEMPTY' && code !== 'EEXIST') {
        logger.debug('gatecache: disk tier could not remove a path', { path, error: (err as Error).message });
      }
    }
  };

  return {
    run(removal) {
      let chain: Promise<void> = Promise.resolve();
      const seen = new Set<string>();
      const plan = [
        ...removal.files.map((p) => [p, false] as const),
        ...removal.dirs.map((p) => [p, true] as const),
      ];
      for (const [path, dir] of plan) {
        if (seen.has(path)) continue;
        seen.add(path);
        // Wait for an earlier delete of the same path, so two removals never interleave on one folder.
        const before = pending.get(path);
        const prev = chain;
        const current: Promise<void> = (before ? Promise.all([prev, before]) : prev).then(() =>
          step(path, dir),
        );
        pending.set(path, current);
        void current.then(() => {
          if (pending.get(path) === current) pending.delete(path);
        });
        chain = current;
      }
      return chain;
    },
    async settled(paths) {
      const waits = paths.map((p) => pending.get(p)).filter((p): p is Promise<void> => p !== undefined);
      if (waits.length > 0) await Promise.all(waits);
    },
    async idle() {
      while (pending.size > 0) await Promise.all([...pending.values()]);
    },
  };
}
