import { closeSync, existsSync, openSync, readFileSync, readSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCache, memoryStore } from '@gatecache/core';
import type { RemovalReason } from '@gatecache/core';
import * as cacache from 'cacache';
import { diskStore } from '../src';
import type { DiskStore } from '../src';
import type { DiskStoreOptions } from '../src';
import { createLayout } from '../src/layout';
import { contentFiles, du, manualClock, noise, record, tempDirs } from './helpers';

const dirs = tempDirs();
const open: DiskStore[] = [];

function make(options: Partial<DiskStoreOptions> & { path: string }): DiskStore {
  const store = diskStore({ sweepIntervalMs: 0, ...options });
  open.push(store);
  return store;
}

function removals(store: DiskStore): [string, RemovalReason][] {
  const seen: [string, RemovalReason][] = [];
  store.listen({ onRemove: (key, reason) => void seen.push([key, reason]) });
  return seen;
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
  dirs.cleanup();
});

describe('diskStore', () => {
  it('keeps no entry longer than its own ttl, even one whose stale window is longer, across a restart', async () => {
    const clock = manualClock();
    const path = dirs.make();
    const store = make({ path, clock, ttl: 10 });
    await store.set(await record('response:long', 'lives an hour', clock, 3_600_000));
    clock.advance(9_000);
    expect(await store.get('response:long')).toBeDefined();
    await store.close();
    const reopened = make({ path, clock, ttl: 10 });
    expect(await reopened.get('response:long')).toBeDefined();
    clock.advance(1_000);
    expect(await reopened.get('response:long')).toBeUndefined();
  });

  it('stores a record and reads it back byte for byte', async () => {
    const clock = manualClock();
    const store = make({ path: dirs.make(), clock });
    const rec = await record('response:a', 'hello disk', clock);
    expect(await store.set(rec)).toBe(true);
    const got = await store.get('response:a');
    expect(got?.meta).toEqual(rec.meta);
    expect(got?.data.equals(rec.data)).toBe(true);
    expect(await store.has('response:a')).toBe(true);
    expect(await store.get('response:b')).toBeUndefined();
    expect(store.encoded).toBe(true);
    expect(store.kind).toBe('disk');
  });

  it('serves an entry within its stale window and removes it past staleUntil', async () => {
    const clock = manualClock();
    const store = make({ path: dirs.make(), clock });
    const seen = removals(store);
    await store.set(await record('response:t', 'x', clock, 1000, 1000));
    clock.advance(1500);
    expect(await store.get('response:t')).toBeDefined();
    clock.advance(500);
    expect(await store.has('response:t')).toBe(false);
    expect(await store.get('response:t')).toBeUndefined();
    expect(seen).toEqual([['response:t', 'expire']]);
    const stats = await store.stats();
    expect(stats).toMatchObject({ entries: 0, expired: 1 });
    expect(contentFiles(store.path)).toHaveLength(0);
  });

  it('keeps entries past their stale window when honorTtl is false', async () => {
    const clock = manualClock();
    const store = make({ path: dirs.make(), clock, honorTtl: false });
    await store.set(await record('k', 'x', clock, 1000));
    clock.advance(10_000);
    expect(await store.get('k')).toBeDefined();
    expect(await store.sweep()).toBe(0);
  });

  it('evicts the least recently used entry when over the cap and counts it', async () => {
    const clock = manualClock();
    const path = dirs.make();
    // Room for a handful of 40 KB entries once the folders cacache creates are counted.
    const store = make({ path, clock, maxSizeMb: 0.3 });
    const seen = removals(store);
    for (let i = 0; i < 4; i++) {
      await store.set(await record(`k${i}`, noise(40_000, i), clock));
      clock.advance(1);
    }
    expect((await store.stats()).evictions).toBe(0);
    await store.get('k0'); // k0 becomes the most recently used; k1 is now the oldest
    for (let i = 4; i < 8; i++) {
      await store.set(await record(`k${i}`, noise(40_000, i), clock));
      clock.advance(1);
    }
    const stats = await store.stats();
    expect(stats.evictions).toBeGreaterThan(0);
    expect(seen[0]).toEqual(['k1', 'evict']);
    expect(seen.every(([, reason]) => reason === 'evict')).toBe(true);
    expect(await store.has('k0')).toBe(true);
    expect(await store.has('k7')).toBe(true);
    expect(stats.bytes).toBeLessThanOrEqual(stats.maxBytes);
    expect(stats.maxBytes).toBe(Math.floor(0.3 * 1024 * 1024));
    expect(stats.entries).toBe(8 - stats.evictions);
    await store.close();
    // The accounting follows what is actually on disk.
    expect(Math.abs(du(path) - stats.bytes) / du(path)).toBeLessThan(0.05);
  });

  it('keeps du -sb within 1.1x the cap under 3x writes, also after a restart', async () => {
    const clock = manualClock();
    const path = dirs.make();
    const cap = 1024 * 1024;
    const write = async (store: DiskStore, from: number): Promise<void> => {
      let written = 0;
      for (let i = from; written < 3 * cap; i++) {
        const body = noise(8_000 + (i % 7) * 3_000, i);
        await store.set(await record(`response:${i}`, body, clock));
        written += body.length;
        clock.advance(1);
      }
    };
    const first = make({ path, clock, maxSizeMb: 1 });
    await write(first, 0);
    const before = await first.stats();
    await first.close();
    expect(before.evictions).toBeGreaterThan(0);
    expect(du(path)).toBeLessThanOrEqual(1.1 * cap);

    const second = make({ path, clock, maxSizeMb: 1 });
    const reopened = await second.stats();
    expect(reopened.entries).toBe(before.entries);
    expect(Math.abs(reopened.bytes - before.bytes)).toBeLessThan(0.02 * cap);
    await write(second, 10_000);
    await second.close();
    expect(du(path)).toBeLessThanOrEqual(1.1 * cap);
  });

  it('rebuilds its index on restart, oldest writes first in the LRU order', async () => {
    const clock = manualClock();
    const path = dirs.make();
    const first = make({ path, clock });
    for (const key of ['a', 'b', 'c']) {
      await first.set(await record(`response:${key}`, `body ${key}`, clock));
      clock.advance(10);
    }
    await first.delete('response:b');
    await first.close();

    const second = make({ path, clock, maxSizeMb: 1 });
    expect((await second.stats()).entries).toBe(2);
    const keys: string[] = [];
    for await (const key of second.keys('response:*')) keys.push(key);
    expect(keys).toEqual(['response:a', 'response:c']);
    expect((await second.get('response:c'))?.data.toString()).toBe('body c');
    expect(await second.get('response:b')).toBeUndefined();
  });

  it('keeps a content file while another key still references it', async () => {
    const clock = manualClock();
    const path = dirs.make();
    const body = Buffer.from('identical bytes under two keys');
    const metadata = { expiresAt: clock.now() + 60_000, staleUntil: clock.now() + 60_000 };
    // Records are bound to their key, so the store never writes identical content under two keys itself;
    // a folder can still hold such sharing (written by another tool), and removal must respect it.
    await cacache.put(path, 'one', body, { metadata });
    await cacache.put(path, 'two', body, { metadata });
    const store = make({ path, clock });
    await store.ready();
    expect(contentFiles(path)).toHaveLength(1);
    expect(await store.delete('one')).toBe(true);
    expect(contentFiles(path)).toHaveLength(1);
    expect(await store.delete('two')).toBe(true);
    expect(contentFiles(path)).toHaveLength(0);
  });

  it('keeps the content file when the same record is written twice', async () => {
    const clock = manualClock();
    const store = make({ path: dirs.make(), clock });
    const rec = await record('response:same', 'same bytes', clock);
    await store.set(rec);
    await store.set(rec);
    expect(contentFiles(store.path)).toHaveLength(1);
    expect((await store.get('response:same'))?.data.toString()).toBe('same bytes');
  });

  it('returns a miss for a flipped byte, removes the entry and counts it', async () => {
    const clock = manualClock();
    const store = make({ path: dirs.make(), clock });
    const seen = removals(store);
    await store.set(await record('response:c', noise(5000, 1), clock));
    const [file] = contentFiles(store.path) as [string];
    const bytes = readFileSync(file);
    bytes[bytes.length - 10] = (bytes[bytes.length - 10] as number) ^ 0xff;
    writeFileSync(file, bytes);

    await expect(store.get('response:c')).resolves.toBeUndefined();
    expect(seen).toEqual([['response:c', 'corrupt']]);
    expect(await store.has('response:c')).toBe(false);
    expect((await store.stats()).corrupt).toBe(1);
    expect(existsSync(file)).toBe(false);
    // Writing the same key again works: the bad file is gone, not reused.
    await store.set(await record('response:c', 'fresh', clock));
    expect((await store.get('response:c'))?.data.toString()).toBe('fresh');
  });

  it('returns a miss for a truncated content file', async () => {
    const clock = manualClock();
    const store = make({ path: dirs.make(), clock });
    await store.set(await record('response:t', noise(5000, 2), clock));
    const [file] = contentFiles(store.path) as [string];
    const buf = Buffer.alloc(100);
    const fd = openSync(file, 'r');
    readSync(fd, buf, 0, 100, 0);
    closeSync(fd);
    writeFileSync(file, buf);
    expect(await store.get('response:t')).toBeUndefined();
    expect((await store.stats()).corrupt).toBe(1);
  });

  it('treats content that is not a record for its key as corrupt', async () => {
    const clock = manualClock();
    const path = dirs.make();
    const metadata = { expiresAt: clock.now() + 60_000, staleUntil: clock.now() + 60_000 };
    await cacache.put(path, 'response:garbage', Buffer.from('not a gatecache record'), { metadata });
    const store = make({ path, clock });
    expect(await store.get('response:garbage')).toBeUndefined();
    expect((await store.stats()).corrupt).toBe(1);
    expect(contentFiles(path)).toHaveLength(0);
  });

  it('never reads back wrong data after a crash mid-write', async () => {
    const clock = manualClock();
    const path = dirs.make();
    const first = make({ path, clock });
    await first.set(await record('response:ok', 'good body', clock));
    await first.set(await record('response:lost', 'lost body', clock));
    await first.close();
    // What a kill can leave: unfinished tmp files, a torn index line, and a content file that reached its
    // final name without its data (a filesystem that reorders the rename before the write).
    writeFileSync(join(path, 'tmp', 'b5f2a1c0-unfinished'), noise(3000, 9));
    const [lostFile] = contentFiles(path).filter((f) => readFileSync(f).includes('lost body')) as [string];
    writeFileSync(lostFile, ''); // simulate a rename that landed without its data
    // An index line without this store's TTL metadata (another writer, or an older format).
    await cacache.put(path, 'response:foreign', noise(2000, 3), { metadata: {} });
    const { bucketPath } = createLayout(path);
    writeFileSync(
      bucketPath('response:ok'),
      readFileSync(bucketPath('response:ok'), 'utf8') + '\n0123\t{"key":"response:ok","integ',
    );

    const second = make({ path, clock });
    expect((await second.get('response:ok'))?.data.toString()).toBe('good body');
    expect(await second.get('response:lost')).toBeUndefined();
    expect(await second.get('response:foreign')).toBeUndefined();
    expect(existsSync(join(path, 'tmp', 'b5f2a1c0-unfinished'))).toBe(false);
  });

  it('removes expired entries in the sweep without reading their content', async () => {
    const clock = manualClock();
    const store = make({ path: dirs.make(), clock, sweepBatch: 2 });
    const seen = removals(store);
    for (let i = 0; i < 3; i++) await store.set(await record(`response:${i}`, noise(3000, i), clock, 1000));
    await store.set(await record('response:long', 'stays', clock, 60_000));
    // Damage every stored body: a sweep that read content would report corruption, not expiry.
    for (const file of contentFiles(store.path)) writeFileSync(file, 'damaged');
    clock.advance(2000);
    expect(await store.sweep()).toBe(2); // bounded by sweepBatch
    expect(await store.sweep()).toBe(1);
    expect(await store.sweep()).toBe(0);
    expect(seen.map(([, reason]) => reason)).toEqual(['expire', 'expire', 'expire']);
    const stats = await store.stats();
    expect(stats).toMatchObject({ entries: 1, expired: 3, corrupt: 0 });
    expect(contentFiles(store.path)).toHaveLength(1);
  });

  it('sweeps in the background on its interval', async () => {
    const clock = manualClock();
    const store = make({ path: dirs.make(), clock, sweepIntervalMs: 10 });
    await store.set(await record('response:x', 'x', clock, 1000));
    clock.advance(5000);
    // The sweep counts the expiry before its file removal finishes: wait for both (bounded).
    for (
      let i = 0;
      i < 300 && ((await store.stats()).expired === 0 || contentFiles(store.path).length > 0);
      i++
    )
      await new Promise((r) => setTimeout(r, 10));
    expect((await store.stats()).expired).toBe(1);
    expect(contentFiles(store.path)).toHaveLength(0);
  });

  it('refuses an entry larger than the cap and counts it', async () => {
    const clock = manualClock();
    const store = make({ path: dirs.make(), clock, maxSizeMb: 0.1 });
    await store.set(await record('big', 'small first', clock));
    expect(await store.set(await record('big', noise(200_000, 1), clock))).toBe(false);
    const stats = await store.stats();
    expect(stats.rejected).toBe(1);
    // The older value must not stand in for the refused newer one.
    expect(await store.has('big')).toBe(false);
  });

  it('lists and deletes keys by glob, and clears everything', async () => {
    const clock = manualClock();
    const store = make({ path: dirs.make(), clock });
    for (const key of ['response:openai:1', 'response:anthropic:2', 'summary:openai:3']) {
      await store.set(await record(key, key, clock));
    }
    const listed: string[] = [];
    for await (const key of store.keys('*openai*')) listed.push(key);
    expect(listed.sort()).toEqual(['response:openai:1', 'summary:openai:3']);
    expect(await store.deleteMatching('response:*')).toBe(2);
    expect((await store.stats()).entries).toBe(1);
    await store.clear();
    expect((await store.stats()).entries).toBe(0);
    expect(contentFiles(store.path)).toHaveLength(0);
    await store.set(await record('after', 'clear', clock));
    expect((await store.get('after'))?.data.toString()).toBe('clear');
  });

  it('waits for writes in flight on close and rejects calls afterwards', async () => {
    const clock = manualClock();
    const path = dirs.make();
    const store = make({ path, clock });
    const records = await Promise.all([1, 2, 3].map((i) => record(`k${i}`, noise(20_000, i), clock)));
    const writes = Promise.all(records.map((r) => store.set(r)));
    await store.close();
    expect(await writes).toEqual([true, true, true]);
    await expect(store.get('k1')).rejects.toThrow(/closed/);
    const reopened = make({ path, clock });
    expect((await reopened.stats()).entries).toBe(3);
  });

  it('reports healthy when it can write', async () => {
    const store = make({ path: dirs.make() });
    expect(await store.health()).toMatchObject({ ok: true });
  });

  it('throws on bad options, naming the option', () => {
    expect(() => diskStore({ path: '' })).toThrow(/path/);
    expect(() => diskStore({ path: 'x', maxSizeMb: 0 })).toThrow(/maxSizeMb/);
    expect(() => diskStore({ path: 'x', sweepIntervalMs: -1 })).toThrow(/sweepIntervalMs/);
    expect(() => diskStore({ path: 'x', sweepBatch: 0 })).toThrow(/sweepBatch/);
  });
});

describe('diskStore in a tiered cache', () => {
  it('keeps the cache serving from memory when the disk is broken', async () => {
    const base = dirs.make();
    writeFileSync(join(base, 'file.txt'), 'a regular file, not a folder');
    // Running as root, chmod cannot make a folder read-only; a path below a regular file always fails.
    const disk = make({ path: join(base, 'file.txt', 'cache') });
    const health = await disk.health();
    expect(health).toMatchObject({ ok: false, message: expect.stringMatching(/cannot write/) });
    const clock = manualClock();
    await expect(disk.set(await record('k', 'x', clock))).rejects.toThrow();
    await expect(disk.get('k')).rejects.toThrow();

    const cache = createCache({ tiers: [memoryStore(), disk] });
    const errors: string[] = [];
    cache.on('tier-error', (e) => void errors.push(e.tier));
    expect(await cache.set('response:x', { body: 'served from memory' })).toBe(true);
    const hit = await cache.get('response:x');
    expect(hit?.body.toString()).toBe('served from memory');
    expect(hit?.tier).toBe('memory');
    expect(await cache.get('response:missing')).toBeUndefined();
    expect(errors.length).toBeGreaterThan(0);
    expect(new Set(errors)).toEqual(new Set(['disk']));
    await cache.close();
  });

  it('promotes a disk hit to memory and decodes the compressed body', async () => {
    const path = dirs.make();
    const body = JSON.stringify({
      choices: Array.from({ length: 40 }, (_, i) => ({
        index: i,
        message: { role: 'assistant', content: 'cached answer' },
      })),
    });
    const namespaces = { response: { ttl: 600, compression: { algorithm: 'gzip' as const, level: 6 } } };
    const first = createCache({
      tiers: [memoryStore(), diskStore({ path, sweepIntervalMs: 0 })],
      namespaces,
    });
    expect(await first.set('response:k', { body, status: 200, kind: 'json' })).toBe(true);
    await first.close();
    const [file] = contentFiles(path) as [string];
    expect(statSync(file).size).toBeLessThan(body.length / 4);

    const second = createCache({ tiers: [memoryStore(), make({ path })], namespaces });
    const fromDisk = await second.get('response:k');
    expect(fromDisk?.tier).toBe('disk');
    expect(fromDisk?.body.toString()).toBe(body);
    expect(fromDisk?.status).toBe(200);
    // Promotion does not delay the caller; give it a turn to land.
    await new Promise((r) => setImmediate(r));
    const fromMemory = await second.get('response:k');
    expect(fromMemory?.tier).toBe('memory');
    expect(fromMemory?.body.toString()).toBe(body);
    await second.close();
  });

  it('reports its evictions to the cache', async () => {
    const clock = manualClock();
    const path = dirs.make();
    const cache = createCache({ tiers: [make({ path, clock, maxSizeMb: 0.2 })], clock });
    const evicted: string[] = [];
    cache.on('evict', (e) => void evicted.push(`${e.tier}:${e.reason}`));
    for (let i = 0; i < 10; i++) {
      await cache.set(`response:${i}`, { body: noise(30_000, i) });
      clock.advance(1);
    }
    expect(evicted.length).toBeGreaterThan(0);
    expect(new Set(evicted)).toEqual(new Set(['disk:evict']));
    const stats = await cache.stats();
    expect(JSON.stringify(stats)).toContain('"evictions"');
    await cache.close();
  });
});
