/** A value or a promise of it: stores may answer synchronously (memory) or not (disk, Redis). */
export type MaybePromise<T> = T | Promise<T>;

/** Milliseconds since the epoch; injectable so TTL and eviction tests are deterministic. */
export interface Clock {
  now(): number;
}

/** Structured logger; `console` fits, and so do pino and winston child loggers. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export type Compression = 'gzip' | 'br' | 'zstd';
export type Encoding = 'identity' | Compression;

/** Token usage reported by a provider body; kept so that a hit can account what it saved. */
export interface Usage {
  /** Every input token, those read from or written to the provider's prompt cache included. */
  inputTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
  /** The part of inputTokens read from the provider's prompt cache (billed at a discount). */
  cachedInputTokens?: number;
  /** The part of inputTokens written to the provider's prompt cache (Anthropic bills it at a premium). */
  cacheWriteTokens?: number;
}

/** What a caller stores. Everything except `body` is optional metadata kept in clear next to it. */
export interface EntryInput extends EntryFields {
  body: Buffer | string;
  tags?: string[];
}

/** The metadata a caller may give with an entry and a tier keeps as given. */
export interface EntryFields {
  status?: number;
  /** An allow-list of response headers; the caller decides which. */
  headers?: Record<string, string>;
  /** `json`, `sse`, `text`: how the body is to be replayed. */
  kind?: string;
  provider?: string;
  model?: string;
  endpoint?: string;
  /** Tenant scope (a keyed hash, never a credential). */
  tenant?: string;
  usage?: Usage;
  /** Small JSON-serialisable extras for other packages (a warming recipe, a variant bucket). */
  extra?: Record<string, unknown>;
}

/** Metadata stored in clear next to the (possibly compressed and encrypted) body bytes. */
export interface EntryMeta extends EntryFields {
  /** Record format version. */
  v: 1;
  key: string;
  namespace: string;
  createdAt: number;
  /** Fresh until this instant (ms). */
  expiresAt: number;
  /** May be served stale (stale-while-revalidate / stale-if-error) until this instant; stores drop it then. */
  staleUntil: number;
  /** Bytes of the decoded body. */
  size: number;
  /** Bytes of `data` as stored. */
  storedSize: number;
  encoding: Encoding;
  encryption?: { alg: 'aes-256-gcm'; keyId: string; iv: string; tag: string };
  /** `sha256-<base64>` (or `hmac-sha256-<base64>` with a signing key) over the key and the stored bytes. */
  integrity: string;
  tags: string[];
}

/** What a tier holds: metadata plus the encoded body bytes. */
export interface StoredRecord {
  meta: EntryMeta;
  data: Buffer;
}

/** A decoded entry as the cache returns it. */
export interface CacheEntry extends Omit<
  EntryMeta,
  'v' | 'integrity' | 'encryption' | 'storedSize' | 'encoding'
> {
  body: Buffer;
  /** Seconds since creation. */
  age: number;
  /** Seconds of freshness left (0 when stale). */
  ttl: number;
  stale: boolean;
  /** Name of the tier that answered. */
  tier: string;
}

export interface TierStats {
  name: string;
  kind: string;
  entries: number;
  /** Bytes the tier holds, as it counts them (stored bytes plus per-entry overhead; bytes on disk for disk). */
  bytes: number;
  /** The tier's byte cap, or 0 when it has none. */
  maxBytes: number;
  evictions: number;
  /** Entries refused because they were larger than the tier can hold. */
  rejected: number;
  /** Entries removed because they failed their integrity check or did not decode. */
  corrupt: number;
  expired: number;
  /** Entries and bytes per namespace, for tiers that can count them cheaply. */
  namespaces?: Record<string, { entries: number; bytes: number }>;
}

export interface TierHealth {
  ok: boolean;
  message?: string;
  latencyMs?: number;
}

/** Why a store removed an entry on its own. */
export type RemovalReason = 'evict' | 'expire' | 'corrupt';

export interface StoreListener {
  onRemove?(key: string, reason: RemovalReason): void;
  /**
   * The tier's server accepts work again (a reconnect): the cache probes it on the next call instead of
   * waiting out its breaker's cooldown.
   */
  onAvailable?(): void;
}

/**
 * One cache tier. Methods may be synchronous or asynchronous; the tiered cache awaits
 * only what is a promise, so a synchronous memory tier costs no microtask on the hit path.
 */
export interface Store {
  readonly name: string;
  readonly kind: string;
  /**
   * Whether this tier receives records with the namespace's compression and encryption applied.
   * In-process tiers usually do not (decoding on every hit costs more than it saves); tiers at rest do.
   */
  readonly encoded: boolean;
  get(key: string): MaybePromise<StoredRecord | undefined>;
  /** Read without counting as use (no LRU promotion); tiers without recency order may omit it. */
  peek?(key: string): MaybePromise<StoredRecord | undefined>;
  /** Returns false when the tier refused the record (too large, or its namespace has no room). */
  set(record: StoredRecord): MaybePromise<boolean>;
  delete(key: string): MaybePromise<boolean>;
  has(key: string): MaybePromise<boolean>;
  clear(): MaybePromise<void>;
  /** Keys matching a glob (`*`, `?`, `[a-z]`, as Redis `MATCH`: `*` also crosses `:` and `/`). */
  keys(pattern?: string): AsyncIterable<string>;
  stats(): MaybePromise<TierStats>;
  close(): MaybePromise<void>;
  health?(): MaybePromise<TierHealth>;
  /** Optional faster delete of every key matching a glob; returns how many were removed. */
  deleteMatching?(pattern: string): MaybePromise<number>;
  /** Called by the tiered cache once, so the tier can report its own evictions and expiries. */
  listen?(listener: StoreListener): void;
  /** Called by the tiered cache for every namespace that sets a size of its own. */
  configureNamespace?(namespace: string, options: { maxBytes?: number }): void;
}

/** A held cross-instance lock. */
export interface LockHandle {
  /** Release only if still held by this owner (compare-and-delete). */
  release(): Promise<void>;
  /** Push the expiry out while the owner still works; false when the lock was lost. */
  extend(ttlMs: number): Promise<boolean>;
}

/**
 * Cross-instance single-flight: the response cache takes the lock for a key before going upstream on a
 * miss; instances that do not get it wait for its release and read the stored answer.
 */
export interface DistributedLock {
  /**
   * The name of the cache tier on the same server (e.g. `redis`): guarded, the lock shares that tier's
   * circuit breaker. Absent: a breaker of its own.
   */
  readonly tier?: string;
  /** Try once; undefined when another owner holds the lock. */
  acquire(key: string, ttlMs: number): Promise<LockHandle | undefined>;
  /** Resolves when the lock for `key` is released or expires, or after `timeoutMs`, whichever is first. */
  waitForRelease(key: string, timeoutMs: number): Promise<void>;
}
