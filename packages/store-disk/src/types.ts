import type {
  Clock,
  Logger,
  Store,
  StoreListener,
  StoredRecord,
  TierHealth,
  TierStats,
} from '@gatecache/core';

export interface DiskStoreOptions {
  /** Folder of the cache (created if missing). One process per folder: the size accounting lives in memory. Required. */
  path: string;
  /** Cap on the bytes the folder holds on disk (content, index and folders, as `du -sb` counts them). Defaults: `DEFAULTS`. */
  maxSizeMb?: number;
  /** Tier name in stats and logs. */
  name?: string;
  /** Drop entries past their stale window (on read and in the sweep); false keeps them until evicted. */
  honorTtl?: boolean;
  /**
   * Longest time (seconds) any entry stays on this tier, whatever its namespace's TTL and stale window ask for:
   * a retention cap for data at rest. Default: none (entries live as long as their own stale window).
   */
  ttl?: number;
  /** Milliseconds between background sweeps of expired entries; 0 disables the sweep. */
  sweepIntervalMs?: number;
  /** Most entries one sweep pass removes, so a pass costs bounded disk work. */
  sweepBatch?: number;
  clock?: Clock;
  logger?: Logger;
}

/** The disk tier: a `Store`, plus what tests and operators need to drive it. */
export interface DiskStore extends Store {
  /** The folder, absolute. */
  readonly path: string;
  get(key: string): Promise<StoredRecord | undefined>;
  set(record: StoredRecord): Promise<boolean>;
  delete(key: string): Promise<boolean>;
  has(key: string): Promise<boolean>;
  clear(): Promise<void>;
  stats(): Promise<TierStats>;
  /** Stops the sweep and waits for every write and delete called before it; later calls reject. */
  close(): Promise<void>;
  /** Writes and removes a small probe file: a full or read-only disk is unhealthy. */
  health(): Promise<TierHealth>;
  deleteMatching(pattern: string): Promise<number>;
  listen(listener: StoreListener): void;
  /** Resolves once the folder is scanned and the index rebuilt; rejects while the folder is unusable. */
  ready(): Promise<void>;
  /** Remove up to `sweepBatch` expired entries now (the background sweep calls this); returns how many. */
  sweep(): Promise<number>;
}
