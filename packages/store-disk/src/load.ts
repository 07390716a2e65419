import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rm, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@gatecache/core';
import type { DiskIndex } from './disk-index';
import { integrityFromSegments } from './layout';
import type { Layout } from './layout';

/** What the store keeps in cacache's metadata: enough for expiry checks from the index alone. */
export interface StoredMetadata {
  expiresAt: number;
  staleUntil: number;
}

/** One line of a cacache index bucket. */
export interface BucketLine {
  key: string;
  integrity: string | null;
  time: number;
  size: number;
  metadata?: unknown;
}

/**
 * Parse an index bucket the way cacache reads it: each line is `<sha1 of json>\t<json>`; a line whose hash
 * does not match (a torn append after a crash, a flipped byte) is skipped; the last line of a key wins, and
 * a null integrity is a deletion. Returns the live lines.
 */
export function parseBucket(text: string): BucketLine[] {
  const latest = new Map<string, BucketLine>();
  for (const line of text.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab <= 0) continue;
    const json = line.slice(tab + 1);
    if (createHash('sha1').update(json).digest('hex') !== line.slice(0, tab)) continue;
    try {
      const parsed = JSON.parse(json) as BucketLine;
      if (typeof parsed?.key === 'string') latest.set(parsed.key, parsed);
    } catch {
      // A line that hashes right but does not parse was not written by cacache: skip it.
    }
  }
  return [...latest.values()].filter((l) => typeof l.integrity === 'string' && l.integrity.length > 0);
}

function timingOf(metadata: unknown): StoredMetadata {
  const m = metadata as Partial<StoredMetadata> | undefined;
  if (typeof m?.expiresAt === 'number' && typeof m.staleUntil === 'number') {
    return { expiresAt: m.expiresAt, staleUntil: m.staleUntil };
  }
  // Not written by this store: treat as expired, so the first read or sweep removes it.
  return { expiresAt: 0, staleUntil: 0 };
}

async function list(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw err;
  }
}

/** Visit every file two fan-out levels below `root`; then remove the fan-out folders nothing uses. */
async function walk(
  root: string,
  index: DiskIndex,
  visit: (a: string, b: string, name: string, path: string) => Promise<void>,
): Promise<void> {
  for (const a of await list(root)) {
    for (const b of await list(join(root, a))) {
      for (const name of await list(join(root, a, b))) await visit(a, b, name, join(root, a, b, name));
      if (!index.dirInUse(join(root, a, b))) await rmdir(join(root, a, b)).catch(() => undefined);
    }
    if (!index.dirInUse(join(root, a))) await rmdir(join(root, a)).catch(() => undefined);
  }
}

export interface LoadReport {
  entries: number;
  /** Content files no index entry referenced (a crash between writing content and indexing it). */
  orphanFiles: number;
  /** Index entries whose content file was missing. */
  danglingEntries: number;
  /** Unfinished writes found in tmp. */
  tmpFiles: number;
}

/**
 * Create the folder and rebuild the in-memory index from what is on disk, repairing what a crash can
 * leave behind: unfinished tmp files, content nobody indexes, index entries without content, empty folders.
 * Runs before the store serves anything, so nothing here races a write.
 */
export async function loadFolder(layout: Layout, index: DiskIndex, logger: Logger): Promise<LoadReport> {
  index.reset();
  await mkdir(layout.root, { recursive: true });
  // cacache writes content to tmp and renames it into place only when complete: whatever is in tmp now is
  // a write that never finished, never visible to readers.
  const tmpFiles = (await list(layout.tmpDir)).length;
  await rm(layout.tmpDir, { recursive: true, force: true });
  await mkdir(layout.tmpDir, { recursive: true });
  index.dirBytes = (await stat(layout.tmpDir)).size;

  const content = new Map<string, string>();
  await walk(layout.contentRoot, index, async (a, b, name, path) => {
    const integrity = integrityFromSegments(a, b, name);
    if (integrity) content.set(integrity, path);
    else await rm(path, { recursive: true, force: true });
  });

  const lines: { line: BucketLine; bucketBytes: number }[] = [];
  const stray: string[] = [];
  let danglingEntries = 0;
  await walk(layout.indexRoot, index, async (_a, _b, _name, path) => {
    const text = await readFile(path, 'utf8').catch(() => '');
    const live = parseBucket(text).filter((l) => layout.bucketPath(l.key) === path);
    const kept = live.filter((l) => content.has(l.integrity as string));
    danglingEntries += live.length - kept.length;
    if (kept.length === 0) stray.push(path);
    const bucketBytes = Buffer.byteLength(text) / Math.max(1, kept.length);
    for (const line of kept) lines.push({ line, bucketBytes });
  });
  for (const path of stray) await rm(path, { force: true });

  // Oldest first, so the LRU order after a restart follows the write times cacache recorded.
  lines.sort((x, y) => x.line.time - y.line.time);
  for (const { line, bucketBytes } of lines) {
    const reservation = index.reserve(line.key, line.integrity as string, line.size, bucketBytes);
    index.commit(reservation, { ...timingOf(line.metadata), lastAccess: line.time });
  }

  let orphanFiles = 0;
  for (const [integrity, path] of content) {
    if (index.hasContent(integrity)) continue;
    orphanFiles++;
    await rm(path, { force: true });
  }
  // A second pass removes the folders the orphan files and stray buckets left empty.
  await walk(layout.contentRoot, index, async () => undefined);
  await walk(layout.indexRoot, index, async () => undefined);

  const report = { entries: index.size, orphanFiles, danglingEntries, tmpFiles };
  if (orphanFiles + danglingEntries + tmpFiles > 0)
    logger.info('gatecache: disk tier repaired its folder', report);
  return report;
}
