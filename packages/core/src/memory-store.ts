import { LRUCache } from 'lru-cache';
import { DEFAULTS } from './defaults';
import { globMatcher } from './glob';
import { optionChecker } from './options';
import type { Clock, RemovalReason, Store, StoreListener, StoredRecord, TierStats } from './types';
import { MB, systemClock } from './util';

export interface MemoryStoreOptions {
  /** Tier name in stats and logs. Defaults of every option: `DEFAULTS.memoryStore`. */
  name?: string;
  /** Byte cap for keys in namespaces without a size of their own. */
  maxSizeMb?: number;
  /** Bytes counted per entry on top of body and metadata (key, record object, LRU node). */
  entryOverheadBytes?: number;
  /** Store compressed/encrypted records rather than plain ones (off: faster hits). */
  encoded?: boolean;
  /** Drop entries past their stale window on read; false keeps them until evicted. */
  honorTtl?: boolean;
  clock?: Clock;
}

/** Bytes a record costs in memory: its body bytes, its metadata, its key (UTF-16) and a fixed overhead. */
export function recordBytes(record: StoredRecord, overhead: number): number {
  const { meta } = record;
  let metaBytes = 200 + meta.integrity.length + (meta.model?.length ?? 0) + (meta.tenant?.length ?? 0);
  if (meta.headers) for (const [k, v] of Object.entries(meta.headers)) metaBytes += k.length + v.length + 32;
  for (const tag of meta.tags) metaBytes += tag.length + 16;
  if (meta.extra) metaBytes += JSON.stringify(meta.extra).length;
  return record.data.length + metaBytes + meta.key.length * 2 + overhead;
}

/**
 * The record with its bytes in memory of their own. A small Buffer is usually a slice of Node's shared 8 KB
 * pool (Buffer.concat and Buffer.from below 4 KB), and holding a slice holds the whole pool with whatever else
 * was cut from it: a 600-byte entry could keep 8 KB alive, beyond what the tier counts.
 */
function withOwnBytes(record: StoredRecord): StoredRecord {
  const { data } = record;
  if (data.byteOffset === 0 && data.buffer.byteLength === data.length) return record;
  const own = Buffer.allocUnsafeSlow(data.length);
  data.copy(own);
  return { ...record, data: own };
}

interface Partition {
  lru: LRUCache<string, StoredRecord>;
  maxBytes: number;
}

/**
 * In-process tier on lru-cache, bounded by bytes rather than entry count, so many small entries cannot
 * outgrow it. Namespaces that set a size get a partition of their own (their own LRU and cap).
 */
export function memoryStore(options: MemoryStoreOptions = {}): Store {
  const check = optionChecker('memoryStore');
  check.object('options', options);
  const d = DEFAULTS.memoryStore;
  const name = check.string('name', options.name, d.name);
  const maxSizeMb = check.sizeMb('maxSizeMb', options.maxSizeMb, d.maxSizeMb);
  const entryOverheadBytes = check.nonNegativeInt(
    'entryOverheadBytes',
    options.entryOverheadBytes,
    d.entryOverheadBytes,
  );
  const encoded = check.boolean('encoded', options.encoded, d.encoded);
  const honorTtl = check.boolean('honorTtl', options.honorTtl, d.honorTtl);
  check.methods('clock', options.clock, ['now'], 'a Clock');
  const clock = options.clock ?? systemClock;

  const listeners: StoreListener[] = [];
  const counters = { evictions: 0, rejected: 0, expired: 0 };
  const perNamespace = new Map<string, { entries: number; bytes: number }>();
  const account = (key: string, entries: number, bytes: number): void => {
    const at = key.indexOf(':');
    const ns = at > 0 ? key.slice(0, at) : 'default';
    const c = perNamespace.get(ns) ?? { entries: 0, bytes: 0 };
    c.entries += entries;
    c.bytes += bytes;
    perNamespace.set(ns, c);
  };
  const notify = (key: string, reason: RemovalReason): void => {
    for (const l of listeners) l.onRemove?.(key, reason);
  };

  // The size set() charged each record, so dispose() gives back the same bytes without measuring again
  // (measuring serialises the record's `extra`, a cost on every store and every eviction).
  const charged = new WeakMap<StoredRecord, number>();
  const makePartition = (maxBytes: number): Partition => ({
    maxBytes,
    lru: new LRUCache<string, StoredRecord>({
      maxSize: maxBytes,
      sizeCalculation: (record) => Math.max(1, Math.ceil(recordBytes(record, entryOverheadBytes))),
      dispose: (value, key, reason) => {
        account(key, -1, -(charged.get(value) ?? Math.ceil(recordBytes(value, entryOverheadBytes))));
        // Overwrites ('set') and deletes are not evictions; only capacity pressure is.
        if (reason === 'evict') {
          counters.evictions++;
          notify(key, 'evict');
        }
      },
    }),
  });

  const fallback = makePartition(Math.floor(maxSizeMb * MB));
  const partitions = new Map<string, Partition>();
  const partitionOf = (key: string): Partition => {
    if (partitions.size === 0) return fallback;
    const at = key.indexOf(':');
    return (at > 0 && partitions.get(key.slice(0, at))) || fallback;
  };
  const all = (): Partition[] => [fallback, ...partitions.values()];

  const live = (p: Partition, key: string, record: StoredRecord | undefined): StoredRecord | undefined => {
    if (record && honorTtl && clock.now() >= record.meta.staleUntil) {
      p.lru.delete(key);
      counters.expired++;
      notify(key, 'expire');
      return undefined;
    }
    return record;
  };

  return {
    name,
    kind: 'memory',
    encoded,
    get(key) {
      const p = partitionOf(key);
      return live(p, key, p.lru.get(key));
    },
    peek(key) {
      const p = partitionOf(key);
      return live(p, key, p.lru.peek(key));
    },
    set(record) {
      const p = partitionOf(record.meta.key);
      const size = Math.ceil(recordBytes(record, entryOverheadBytes));
      if (size > p.maxBytes) {
        // lru-cache would drop it without a word; refuse it visibly instead.
        counters.rejected++;
        p.lru.delete(record.meta.key);
        return false;
      }
      const kept = withOwnBytes(record);
      charged.set(kept, size);
      p.lru.set(record.meta.key, kept, { size });
      account(record.meta.key, 1, size);
      return true;
    },
    delete(key) {
      return partitionOf(key).lru.delete(key);
    },
    has(key) {
      const p = partitionOf(key);
      return live(p, key, p.lru.peek(key)) !== undefined;
    },
    clear() {
      for (const p of all()) p.lru.clear();
    },
    async *keys(pattern = '*') {
      const match = globMatcher(pattern);
      for (const p of all()) {
        // Snapshot first: yielding while iterating the LRU would see it change under us.
        const snapshot = [...p.lru.keys()];
        for (const key of snapshot) {
          if (match(key) && live(p, key, p.lru.peek(key))) yield key;
        }
      }
    },
    deleteMatching(pattern) {
      const match = globMatcher(pattern);
      let deleted = 0;
      for (const p of all()) {
        for (const key of [...p.lru.keys()]) if (match(key) && p.lru.delete(key)) deleted++;
      }
      return deleted;
    },
    stats(): TierStats {
      let entries = 0;
      let bytes = 0;
      let maxBytes = 0;
      for (const p of all()) {
        entries += p.lru.size;
        bytes += p.lru.calculatedSize;
        maxBytes += p.maxBytes;
      }
      const namespaces = Object.fromEntries(
        [...perNamespace].filter(([, c]) => c.entries > 0).map(([k, c]) => [k, { ...c }]),
      );
      return { name, kind: 'memory', entries, bytes, maxBytes, corrupt: 0, ...counters, namespaces };
    },
    close() {
      for (const p of all()) p.lru.clear();
    },
    health() {
      return { ok: true };
    },
    listen(listener) {
      listeners.push(listener);
    },
    configureNamespace(namespace, { maxBytes }) {
      if (maxBytes !== undefined && maxBytes > 0 && !partitions.has(namespace)) {
        partitions.set(namespace, makePartition(Math.floor(maxBytes)));
      }
    },
  };
}
