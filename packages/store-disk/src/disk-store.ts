import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import * as cacache from 'cacache';
import { globMatcher, parseRecord, serializeRecord } from '@gatecache/core';
import type { RemovalReason, StoreListener, StoredRecord, TierStats } from '@gatecache/core';
import { DiskIndex } from './disk-index';
import type { IndexEntry, Removal } from './disk-index';
import { createKeyedLock } from './keyed-lock';
import { bucketLineBytes, contentIntegrity, createLayout } from './layout';
import { loadFolder } from './load';
import type { StoredMetadata } from './load';
import { probeHealth } from './health';
import { resolveOptions } from './options';
import { createRemover } from './remover';
import { startSweeper } from './sweeper';
import type { DiskStore, DiskStoreOptions } from './types';

// cacache's codes for content that does not match its integrity or size: the bytes on disk are bad.
const CORRUPT_CODES = new Set(['EINTEGRITY', 'EBADSIZE', 'ENOENT']);

/**
 * A size-capped, TTL-aware, integrity-checked cache tier in a folder, on cacache. Records are stored
 * serialized (the record's own integrity hash inside, cacache's sha512 around it); TTLs live in cacache's
 * index metadata and in an in-memory mirror of it, so expiry and the cap never read content.
 */
export function diskStore(options: DiskStoreOptions): DiskStore {
  const o = resolveOptions(options);
  const layout = createLayout(resolve(o.path));
  const index = new DiskIndex(layout, 4096);
  const remover = createRemover(o.logger);
  const lock = createKeyedLock();
  const listeners: StoreListener[] = [];
  const counters = { evictions: 0, rejected: 0, corrupt: 0, expired: 0 };
  /** Writes past the clear() gate. */
  const writes = new Set<Promise<unknown>>();
  /** Every write or delete not yet finished. */
  const calls = new Set<Promise<unknown>>();
  let closed = false;
  let clearing: Promise<void> | undefined;
  let loaded = false;
  let loading: Promise<void> | undefined;

  const load = (): Promise<void> => {
    loading ??= loadFolder(layout, index, o.logger).then(
      () => {
        loaded = true;
        enforceCap();
      },
      (err: Error) => {
        // Try again on the next call: a disk that was full or unmounted may come back.
        loading = undefined;
        throw err;
      },
    );
    return loading;
  };

  const opened = async (): Promise<void> => {
    if (closed) throw new Error(`disk tier "${o.name}" is closed`);
    await load();
    while (clearing) await clearing;
  };

  const track = <T>(set: Set<Promise<unknown>>, task: Promise<T>): Promise<T> => {
    set.add(task);
    const done = (): void => void set.delete(task);
    task.then(done, done);
    return task;
  };

  /**
   * Run a write or delete of one key: after loading, never during clear(), one at a time per key. Tracked
   * from the call on, so close() waits for every call made before it.
   */
  const mutate = <T>(key: string, task: () => Promise<T>): Promise<T> => {
    if (closed) return Promise.reject(new Error(`disk tier "${o.name}" is closed`));
    const run = async (): Promise<T> => {
      await load();
      while (clearing) await clearing;
      // Tracked for clear() only once past its gate, or clear() would wait for writes that wait for it.
      return track(writes, lock.run(key, task));
    };
    return track(calls, run());
  };

  const drop = (key: string, reason: RemovalReason): Promise<void> => {
    const removal = index.detach(key);
    if (!removal) return Promise.resolve();
    if (reason === 'evict') counters.evictions++;
    else if (reason === 'expire') counters.expired++;
    else counters.corrupt++;
    for (const l of listeners) l.onRemove?.(key, reason);
    return remover.run(removal);
  };

  const forget = async (key: string): Promise<boolean> => {
    const removal = index.detach(key);
    if (!removal) return false;
    await remover.run(removal);
    return true;
  };

  /** Bad bytes are bad for every key that shares them; the file must go, or an identical write would reuse it. */
  const dropCorrupt = async (integrity: string): Promise<void> => {
    await Promise.all(index.keysUsing(new Set([integrity])).map((key) => drop(key, 'corrupt')));
  };

  const enforceCap = (): void => {
    while (index.bytes > o.maxBytes) {
      const victim = index.oldestIdle();
      if (!victim) break;
      void drop(victim.key, 'evict');
    }
  };

  const expired = (entry: IndexEntry): boolean => o.honorTtl && o.clock.now() >= entry.staleUntil;

  const settle = (removal: Removal): void => void remover.run(removal);

  interface Write {
    record: StoredRecord;
    data: Buffer;
    integrity: string;
    time: number;
    metadata: StoredMetadata;
    bucketBytes: number;
  }

  const write = async ({ record, data, integrity, time, metadata, bucketBytes }: Write): Promise<boolean> => {
    const { key } = record.meta;
    const { expiresAt, staleUntil } = metadata;
    const reservation = index.reserve(key, integrity, data.length, bucketBytes);
    enforceCap();
    try {
      const bucket = layout.bucketPath(key);
      await remover.settled([
        layout.contentPath(integrity),
        bucket,
        ...layout.contentDirs(integrity),
        ...layout.bucketDirs(key),
      ]);
      // One line per bucket: drop the older line first, so overwrites never grow the index file.
      await rm(bucket, { force: true });
      await cacache.put(layout.root, key, data, { metadata, time } as cacache.put.Options);
      settle(index.commit(reservation, { expiresAt, staleUntil, lastAccess: time }));
      return true;
    } catch (err) {
      settle(index.abort(reservation));
      throw err;
    }
  };

  const store: DiskStore = {
    name: o.name,
    kind: 'disk',
    encoded: true,
    path: layout.root,

    ready: () => load(),

    async get(key) {
      await opened();
      const entry = index.peek(key);
      if (!entry) return undefined;
      if (expired(entry)) {
        await drop(key, 'expire');
        return undefined;
      }
      let record: StoredRecord;
      try {
        // Reads by digest: cacache checks the bytes against their sha512 and size.
        const data = await cacache.get.byDigest(layout.root, entry.integrity, { size: entry.size });
        record = parseRecord(data, key);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== undefined && !CORRUPT_CODES.has(code)) throw err;
        // The entry may have been replaced or removed while we read: only the entry we read is corrupt.
        if (index.peek(key) !== entry) return undefined;
        o.logger.warn('gatecache: corrupt disk entry removed', {
          tier: o.name,
          key,
          error: (err as Error).message,
        });
        await dropCorrupt(entry.integrity);
        return undefined;
      }
      index.touch(key, o.clock.now());
      return record;
    },

    set(record) {
      const { key, expiresAt, staleUntil } = record.meta;
      return mutate(key, async () => {
        const time = o.clock.now();
        const data = serializeRecord(record);
        const integrity = contentIntegrity(data);
        // The tier's own ttl caps how long any entry stays on disk, whatever its namespace asked for.
        const cap = time + o.ttlMs;
        const metadata: StoredMetadata = {
          expiresAt: Math.min(expiresAt, cap),
          staleUntil: Math.min(staleUntil, cap),
        };
        const bucketBytes = bucketLineBytes(key, integrity, time, data.length, metadata);
        const tooBig = index.worstCost(data.length, bucketBytes) > o.maxBytes - index.baseBytes;
        if (tooBig || (o.honorTtl && time >= metadata.staleUntil)) {
          if (tooBig) counters.rejected++;
          // The older value of the key must not outlive a newer one that was refused.
          await forget(key);
          return false;
        }
        return write({ record, data, integrity, time, metadata, bucketBytes });
      });
    },

    delete(key) {
      return mutate(key, () => forget(key));
    },

    async has(key) {
      await opened();
      const entry = index.peek(key);
      return entry !== undefined && !expired(entry);
    },

    async clear() {
      await opened();
      const run = async (): Promise<void> => {
        await Promise.allSettled([...writes]);
        await remover.idle();
        // Forget first: a read racing the wipe then misses instead of finding an entry without content.
        index.reset();
        for (const dir of [join(layout.root, 'content-v2'), layout.indexRoot, layout.tmpDir]) {
          await rm(dir, { recursive: true, force: true });
        }
      };
      clearing = run().finally(() => {
        clearing = undefined;
      });
      await clearing;
    },

    async *keys(pattern = '*') {
      await opened();
      const match = globMatcher(pattern);
      for (const key of index.keys()) {
        const entry = index.peek(key);
        if (entry && match(key) && !expired(entry)) yield key;
      }
    },

    async deleteMatching(pattern) {
      await opened();
      const match = globMatcher(pattern);
      let deleted = 0;
      for (const key of index.keys()) if (match(key) && (await store.delete(key))) deleted++;
      return deleted;
    },

    async sweep() {
      if (!o.honorTtl) return 0;
      await opened();
      const victims = index.expired(o.clock.now(), o.sweepBatch);
      await Promise.all(victims.map((entry) => drop(entry.key, 'expire')));
      return victims.length;
    },

    async stats(): Promise<TierStats> {
      // A broken folder reports what is known (nothing) rather than failing the cache's stats.
      await load().catch(() => undefined);
      return {
        name: o.name,
        kind: 'disk',
        entries: index.size,
        bytes: loaded ? index.bytes : 0,
        maxBytes: o.maxBytes,
        ...counters,
        namespaces: index.namespaceStats(),
      };
    },

    health() {
      if (closed) return Promise.resolve({ ok: false, message: `disk tier "${o.name}" is closed` });
      return probeHealth(o.name, layout, load);
    },

    async close() {
      if (closed) return;
      closed = true;
      stopSweeper();
      while (calls.size > 0) await Promise.allSettled([...calls]);
      await remover.idle();
    },

    listen(listener) {
      listeners.push(listener);
    },
  };

  const stopSweeper = startSweeper(
    o.sweepIntervalMs,
    () => (loaded && !closed ? store.sweep() : undefined),
    (err) => o.logger.warn('gatecache: disk sweep failed', { tier: o.name, error: err.message }),
  );
  // Start loading now; callers see the outcome through their own calls.
  load().catch((err: Error) =>
    o.logger.warn('gatecache: disk tier unavailable', { tier: o.name, error: err.message }),
  );
  return store;
}
