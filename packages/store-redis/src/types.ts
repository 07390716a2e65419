import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { Clock, Logger } from '@gatecache/core';
import type {
  Cluster,
  ClusterNode,
  ClusterOptions,
  Redis,
  RedisOptions,
  SentinelConnectionOptions,
} from 'ioredis';

/** A standalone/Sentinel connection or a Cluster: everything in this package works on both. */
export type RedisClient = Redis | Cluster;

/** Sentinel-managed primary: ioredis's Sentinel options, with the two that are required spelled out. */
export interface SentinelOptions extends Omit<SentinelConnectionOptions, 'sentinels' | 'name'> {
  /** Sentinel addresses, e.g. `[{ host: '10.0.0.1', port: 26379 }]`. */
  sentinels: Array<{ host: string; port: number }>;
  /** The primary's name as the sentinels monitor it (`sentinel monitor <name> ...`). */
  name: string;
}

/** How to reach Redis. Give at most one of `url`, `client`, `cluster`, `sentinel`; else `host`/`port`. */
export interface RedisConnectionOptions {
  /** `redis://[user:pass@]host:port/db` or `rediss://...` for TLS. */
  url?: string;
  /**
   * An ioredis `Redis` or `Cluster` you created. Its own options are used as they are (the cache defaults
   * below are not applied to it), and it is not closed by `close()` unless `closeClient` is true.
   */
  client?: RedisClient;
  /** Close `client` on `close()`. Default: true for connections this package created, false for `client`. */
  closeClient?: boolean;
  /** A Redis Cluster: startup nodes and ioredis Cluster options. */
  cluster?: { nodes: ClusterNode[]; options?: ClusterOptions };
  /** A Sentinel-managed primary. */
  sentinel?: SentinelOptions;
  /** Redis host. Defaults of every connection option: `DEFAULTS.connection`. */
  host?: string;
  /** Redis port. */
  port?: number;
  /** Database index. */
  db?: number;
  password?: string;
  username?: string;
  /** TLS: `true` for defaults, or Node `tls.connect` options (CA, cert, servername...). */
  tls?: boolean | TlsOptions;
  /**
   * A command that has no reply within this many ms fails (ioredis `commandTimeout`), so a slow Redis costs a
   * lookup at most this much before the tier is skipped.
   */
  commandTimeoutMs?: number;
  /** Give up connecting after this many ms (then retry with backoff). */
  connectTimeoutMs?: number;
  /** Batch commands issued in the same tick into one round trip. */
  enableAutoPipelining?: boolean;
  /** Upper bound on the reconnect backoff. */
  maxReconnectDelayMs?: number;
  /** Any other ioredis option, applied last (overrides the cache defaults; use with care). */
  redisOptions?: RedisOptions;
  /** Connection state changes (lost, restored) are logged here, once per change. Default: silent. */
  logger?: Logger;
  /** Jitter source for the reconnect backoff, in [0, 1). Default Math.random. */
  random?: () => number;
}

export interface RedisStoreOptions extends RedisConnectionOptions {
  /**
   * Prepended to every key this tier writes; `keys()`, purges and `clear()` only ever see keys under it.
   * Defaults of every option: `DEFAULTS.redisStore`. An empty prefix makes `clear()` remove every key of the database.
   */
  keyPrefix?: string;
  /** Tier name in stats and logs. */
  name?: string;
  /** How long an entry count from `stats()` is reused before the keyspace is scanned again. */
  statsMaxAgeMs?: number;
  /** `SCAN ... COUNT` hint per call. */
  scanCount?: number;
  /** Keys per `UNLINK` call in purges. */
  deleteBatchSize?: number;
  clock?: Clock;
}
