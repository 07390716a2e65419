import { dictOf } from '@gatecache/core';
import type { Layout } from './layout';

/** What the store knows of one key without touching the disk. */
export interface IndexEntry {
  key: string;
  integrity: string;
  /** Bytes of the content file. */
  size: number;
  /** Bytes of the key's index bucket file. */
  bucketBytes: number;
  expiresAt: number;
  staleUntil: number;
  /** Last read or write (ms); the LRU order. After a restart: the write time cacache recorded. */
  lastAccess: number;
}

/** Paths to delete once entries left the index: files first, then folders in the listed order (deepest first). */
export interface Removal {
  files: string[];
  dirs: string[];
}

/** A write in flight: its bytes already count, so concurrent writes cannot overshoot the cap together. */
export interface Reservation {
  readonly key: string;
  readonly integrity: string;
  readonly size: number;
  readonly bucketBytes: number;
}

interface Content {
  size: number;
  refs: number;
}

const namespaceOf = (key: string): string => {
  const at = key.indexOf(':');
  return at > 0 ? key.slice(0, at) : 'default';
};

/**
 * The in-memory mirror of a cacache folder: keys in LRU order, content files with the number of keys that
 * use them (identical bodies share one file), and the fan-out folders in use, so that `bytes` follows what
 * `du -sb` reports: content + index buckets + folders.
 */
export class DiskIndex {
  private readonly entries = new Map<string, IndexEntry>();
  private readonly contents = new Map<string, Content>();
  private readonly dirs = new Map<string, number>();
  private readonly busy = new Map<string, number>();
  private readonly namespaces = new Map<string, { entries: number; bytes: number }>();
  private contentBytes = 0;
  private bucketBytes = 0;

  constructor(
    private readonly layout: Layout,
    /** Apparent size of one folder (4096 on ext4); measured by the store at start-up. */
    public dirBytes: number,
  ) {}

  /** Bytes on disk as `du -sb` counts them, writes in flight included. */
  get bytes(): number {
    return (
      this.contentBytes + this.bucketBytes + (this.dirs.size + this.layout.baseDirs.length) * this.dirBytes
    );
  }

  get size(): number {
    return this.entries.size;
  }

  /** Bytes one more entry can cost at most: its files and four new fan-out folders. */
  worstCost(size: number, bucketBytes: number): number {
    return size + bucketBytes + 4 * this.dirBytes;
  }

  /** Bytes of an empty store: the base folders. */
  get baseBytes(): number {
    return this.layout.baseDirs.length * this.dirBytes;
  }

  peek(key: string): IndexEntry | undefined {
    return this.entries.get(key);
  }

  /** Mark a read: move the key to the young end of the LRU order. */
  touch(key: string, now: number): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    entry.lastAccess = now;
    this.entries.set(key, entry);
  }

  isBusy(key: string): boolean {
    return this.busy.has(key);
  }

  hasContent(integrity: string): boolean {
    return this.contents.has(integrity);
  }

  dirInUse(dir: string): boolean {
    return this.dirs.has(dir);
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }

  values(): IterableIterator<IndexEntry> {
    return this.entries.values();
  }

  namespaceStats(): Record<string, { entries: number; bytes: number }> {
    return dictOf(
      [...this.namespaces].filter(([, c]) => c.entries > 0).map(([ns, c]) => [ns, { ...c }] as const),
    );
  }

  /** Count a write before it starts; `commit` or `abort` it when it ends. */
  reserve(key: string, integrity: string, size: number, bucketBytes: number): Reservation {
    const content = this.contents.get(integrity);
    if (content) {
      content.refs++;
    } else {
      this.contents.set(integrity, { size, refs: 1 });
      this.contentBytes += size;
      for (const dir of this.layout.contentDirs(integrity)) this.acquireDir(dir);
    }
    for (const dir of this.layout.bucketDirs(key)) this.acquireDir(dir);
    this.bucketBytes += bucketBytes;
    this.busy.set(key, (this.busy.get(key) ?? 0) + 1);
    return { key, integrity, size, bucketBytes };
  }

  /** The write landed: the entry replaces any older one for its key (whose bucket the write rewrote). */
  commit(
    reservation: Reservation,
    timing: { expiresAt: number; staleUntil: number; lastAccess: number },
  ): Removal {
    const { key } = reservation;
    const removal: Removal = { files: [], dirs: [] };
    const old = this.entries.get(key);
    if (old) {
      this.countNamespace(old, -1);
      this.releaseParts(old.key, old.integrity, old.bucketBytes, removal, true);
    }
    const entry: IndexEntry = {
      key,
      integrity: reservation.integrity,
      size: reservation.size,
      bucketBytes: reservation.bucketBytes,
      ...timing,
    };
    this.entries.set(key, entry);
    this.countNamespace(entry, 1);
    this.unbusy(key);
    return removal;
  }

  /**
   * The write failed: give its bytes back. The older entry goes too, since the write may already have
   * removed its bucket, and a key in an unknown state is safer gone.
   */
  abort(reservation: Reservation): Removal {
    const removal: Removal = { files: [], dirs: [] };
    this.unbusy(reservation.key);
    this.releaseParts(reservation.key, reservation.integrity, reservation.bucketBytes, removal, false);
    const old = this.entries.get(reservation.key);
    if (old) {
      this.entries.delete(reservation.key);
      this.countNamespace(old, -1);
      this.releaseParts(old.key, old.integrity, old.bucketBytes, removal, false);
    }
    return removal;
  }

  /** Take a key out; its bucket stays on disk when a write to the key is in flight (that write replaces it). */
  detach(key: string): Removal | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.countNamespace(entry, -1);
    const removal: Removal = { files: [], dirs: [] };
    this.releaseParts(key, entry.integrity, entry.bucketBytes, removal, this.isBusy(key));
    return removal;
  }

  /** The least recently used key that no write is touching. */
  oldestIdle(): IndexEntry | undefined {
    for (const entry of this.entries.values()) if (!this.isBusy(entry.key)) return entry;
    return undefined;
  }

  /** Up to `limit` keys past their stale window that no write is touching. */
  expired(now: number, limit: number): IndexEntry[] {
    const out: IndexEntry[] = [];
    for (const entry of this.entries.values()) {
      if (out.length >= limit) break;
      if (now >= entry.staleUntil && !this.isBusy(entry.key)) out.push(entry);
    }
    return out;
  }

  /** Keys whose content is one of `integrities` (start-up repair of dangling index entries). */
  keysUsing(integrities: Set<string>): string[] {
    return [...this.entries.values()].filter((e) => integrities.has(e.integrity)).map((e) => e.key);
  }

  contentIntegrities(): string[] {
    return [...this.contents.keys()];
  }

  reset(): void {
    this.entries.clear();
    this.contents.clear();
    this.dirs.clear();
    this.namespaces.clear();
    this.contentBytes = 0;
    this.bucketBytes = 0;
  }

  private releaseParts(
    key: string,
    integrity: string,
    bucketBytes: number,
    removal: Removal,
    keepBucket: boolean,
  ): void {
    this.bucketBytes -= bucketBytes;
    if (!keepBucket) removal.files.push(this.layout.bucketPath(key));
    for (const dir of this.layout.bucketDirs(key)) this.releaseDir(dir, removal);
    const content = this.contents.get(integrity);
    if (content && --content.refs <= 0) {
      this.contents.delete(integrity);
      this.contentBytes -= content.size;
      removal.files.push(this.layout.contentPath(integrity));
      for (const dir of this.layout.contentDirs(integrity)) this.releaseDir(dir, removal);
    }
  }

  private acquireDir(dir: string): void {
    this.dirs.set(dir, (this.dirs.get(dir) ?? 0) + 1);
  }

  private releaseDir(dir: string, removal: Removal): void {
    const n = (this.dirs.get(dir) ?? 1) - 1;
    if (n > 0) {
      this.dirs.set(dir, n);
    } else {
      this.dirs.delete(dir);
      removal.dirs.push(dir);
    }
  }

  private unbusy(key: string): void {
    const n = (this.busy.get(key) ?? 1) - 1;
    if (n > 0) this.busy.set(key, n);
    else this.busy.delete(key);
  }

  private countNamespace(entry: IndexEntry, sign: 1 | -1): void {
    const ns = namespaceOf(entry.key);
    const c = this.namespaces.get(ns) ?? { entries: 0, bytes: 0 };
    c.entries += sign;
    c.bytes += sign * (entry.size + entry.bucketBytes);
    this.namespaces.set(ns, c);
  }
}
