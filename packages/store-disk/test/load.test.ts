import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as cacache from 'cacache';
import { silentLogger } from '@gatecache/core';
import { DiskIndex } from '../src/disk-index';
import { createLayout } from '../src/layout';
import { loadFolder, parseBucket } from '../src/load';
import { contentFiles, tempDirs } from './helpers';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

const line = (entry: object): string => {
  const json = JSON.stringify(entry);
  return `\n${createHash('sha1').update(json).digest('hex')}\t${json}`;
};

describe('parseBucket', () => {
  it('keeps the last line of a key, honours deletions and skips torn lines', () => {
    const text =
      line({ key: 'a', integrity: 'sha512-old', time: 1, size: 1 }) +
      line({ key: 'a', integrity: 'sha512-new', time: 2, size: 1 }) +
      line({ key: 'b', integrity: 'sha512-b', time: 1, size: 1 }) +
      line({ key: 'b', integrity: null, time: 3, size: 0 }) +
      '\ndeadbeef\t{"key":"c","integ';
    expect(parseBucket(text)).toEqual([{ key: 'a', integrity: 'sha512-new', time: 2, size: 1 }]);
  });
});

describe('loadFolder', () => {
  it('rebuilds the index, oldest first, with the TTLs kept in metadata', async () => {
    const root = dirs.make();
    const meta = { expiresAt: 100, staleUntil: 200 };
    await cacache.put(root, 'new', Buffer.from('2'), { metadata: meta, time: 20 } as cacache.put.Options);
    await cacache.put(root, 'old', Buffer.from('1'), { metadata: meta, time: 10 } as cacache.put.Options);
    await cacache.put(root, 'foreign', Buffer.from('3'), { time: 30 } as cacache.put.Options);
    const index = new DiskIndex(createLayout(root), 0);
    const report = await loadFolder(createLayout(root), index, silentLogger);
    expect(report.entries).toBe(3);
    expect(index.keys()).toEqual(['old', 'new', 'foreign']);
    expect(index.peek('old')).toMatchObject({ expiresAt: 100, staleUntil: 200, lastAccess: 10, size: 1 });
    // Entries without this store's metadata count as expired, so the first sweep removes them.
    expect(index.peek('foreign')).toMatchObject({ staleUntil: 0 });
    expect(index.dirBytes).toBeGreaterThan(0);
  });

  it('removes unfinished tmp files, unindexed content, entries without content and empty folders', async () => {
    const root = dirs.make();
    const layout = createLayout(root);
    await cacache.put(root, 'kept', Buffer.from('kept'), { metadata: { expiresAt: 1, staleUntil: 2 } });
    const lost = await cacache.put(root, 'lost', Buffer.from('lost'), {
      metadata: { expiresAt: 1, staleUntil: 2 },
    });
    const orphan = await cacache.put(root, 'orphan', Buffer.from('orphan'), {});
    // removeFully deletes the bucket (typed without options in @types/cacache), leaving the content unindexed.
    const rmEntry = cacache.rm.entry as (cache: string, key: string, opts: object) => Promise<unknown>;
    await rmEntry(root, 'orphan', { removeFully: true });
    await cacache.rm.content(root, lost.toString());
    mkdirSync(join(root, 'tmp'), { recursive: true });
    writeFileSync(join(root, 'tmp', 'unfinished'), 'partial');

    const index = new DiskIndex(layout, 4096);
    const report = await loadFolder(layout, index, silentLogger);
    expect(report).toEqual({ entries: 1, orphanFiles: 1, danglingEntries: 1, tmpFiles: 1 });
    expect(index.keys()).toEqual(['kept']);
    expect(contentFiles(root)).toHaveLength(1);
    expect(existsSync(layout.contentPath(orphan.toString()))).toBe(false);
    expect(existsSync(layout.bucketPath('lost'))).toBe(false);
    expect(readdirSync(join(root, 'tmp'))).toEqual([]);
    // Only the folders of the one live entry remain.
    expect(readdirSync(layout.indexRoot)).toHaveLength(1);
    expect(readdirSync(layout.contentRoot)).toHaveLength(1);
  });

  it('fails when the folder cannot be created', async () => {
    const base = dirs.make();
    writeFileSync(join(base, 'file.txt'), 'x');
    const layout = createLayout(join(base, 'file.txt', 'cache'));
    await expect(loadFolder(layout, new DiskIndex(layout, 4096), silentLogger)).rejects.toThrow(/ENOTDIR/);
  });
});
