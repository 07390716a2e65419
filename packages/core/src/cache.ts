import { EventEmitter } from 'node:events';
import {
  COMPRESSION_LEVELS,
  CorruptEntryError,
  DEFAULT_COMPRESSION,
  UnreadableEntryError,
  decodeRecord,
  encodeRecord,
  keyringFromEnv,
  zstdAvailable,
} from './codec';
import type { CompressionOptions, Keyring, RecordFields, RecordTiming } from './codec';
import { DEFAULTS } from './defaults';
import { globMatcher } from './glob';
import { memoryStore } from './memory-store';
import { optionChecker } from './options';
import type { OptionChecker } from './options';
import { createSingleFlight } from './single-flight';
import type { SingleFlight } from './single-flight';
import { createStats } from './stats';
import type { CacheStats } from './stats';
import { TierGuard } from './tier-guard';
import type { TierGuardOptions } from './tier-guard';
import type {
  CacheEntry,
  Clock,
  EntryInput,
  EntryMeta,
  Logger,
  MaybePromise,
  Store,
  StoredRecord,
} from './types';
import { ownValue, setOwn } from './own';
import { MB, isPromise, namespaceOf, silentLogger, systemClock } from './util';

export interface NamespaceOptions {
  /** Freshness in seconds. Default: the cache's `defaults.ttl`, else `DEFAULTS.createCache.namespace.ttl`. */
  ttl?: number;
  /** Seconds past expiry during which a stale entry may be served while it is refreshed (RFC 5861). */
  staleWhileRevalidate?: number;
  /** Seconds past expiry during which a stale entry may be served when the origin fails (RFC 5861). */
  staleIfError?: number;
  /** Byte cap (MB) of this namespace's own partition in memory tiers. Default: shares the tier's cap. */
  maxSizeMb?: number;
  /**
   * Compression of bodies in encoded tiers (disk, Redis); `true` is the default (`DEFAULT_COMPRESSION`: zstd 3
   * where the running Node has zstd, else gzip 6), false for none.
   */
  compression?: CompressionOptions | boolean;
  /** Encrypt bodies at rest (AES-256-GCM) with the cache's keyring. */
  encrypt?: boolean;
}

export type ResolvedNamespace = Required<Omit<NamespaceOptions, 'maxSizeMb' | 'compression'>> & {
  name: string;
  compression: CompressionOptions | false;
  maxSizeMb?: number;
};

export interface CacheOptions {
  /** Tiers, fastest first. Default: one memoryStore() with its defaults. */
  tiers?: Store[];
  /**
   * Per-namespace settings; a key's namespace is its first `:` segment (`response:...`). Defaults for every
   * namespace, and the built-in ones' own, are in `DEFAULTS.createCache`.
   */
  namespaces?: Record<string, NamespaceOptions>;
  /** Settings for namespaces that do not set their own (and for keys outside any namespace). */
  defaults?: NamespaceOptions;
  /** Upper bound (seconds) on any entry's freshness plus stale window: a data-retention policy. Default none. */
  maxTtl?: number;
  /** Keys for `encrypt: true` namespaces. Default: from `GATECACHE_ENCRYPTION_KEY` (see keyringFromEnv). */
  keyring?: Keyring;
  /** Makes integrity hashes HMACs, so a writer to a shared tier without the key cannot forge entries. */
  signingKey?: string | Buffer;
  /** Tier timeouts and circuit breaker. */
  tierGuard?: TierGuardOptions;
  clock?: Clock;
  logger?: Logger;
  randomBytes?: (size: number) => Buffer;
}

export interface SetOptions {
  /** Freshness in seconds; overrides the namespace's. */
  ttl?: number;
  staleWhileRevalidate?: number;
  staleIfError?: number;
  /** Tags added to the entry's own. */
  tags?: string[];
}

export interface GetOptions {
  /** Return an entry that is past its freshness but within its stale window (flagged `stale`). Default false. */
  allowStale?: boolean;
  /** Count this lookup in hit/miss statistics. Default true; false when the caller records the outcome itself. */
  record?: boolean;
}

export type LookupOutcome = 'hit' | 'miss' | 'stale';

export interface PurgeResult {
  /** Entries removed from the tier that removed most (tiers overlap, so this is the count of distinct entries). */
  deleted: number;
  byTier: Record<string, number>;
}

export interface CacheEvents {
  /** A lookup counted as a hit (fresh or stale); `entry` is absent when the caller recorded it without one. */
  hit: { key: string; namespace: string; tier: string; stale: boolean; entry?: CacheEntry };
  /** Every lookup with its duration, whether or not it is counted (emitted only while someone listens). */
  lookup: { key: string; namespace: string; outcome: LookupOutcome; tier?: string; durationMs: number };
  miss: { key: string; namespace: string };
  set: { key: string; namespace: string; size: number; storedSize: number; meta: EntryMeta };
  /**
   * A delete or purge asked of this cache, emitted even when no tier held the key (so an invalidation bus can
   * still tell other instances). `pattern` is true for `deleteMatching`, where `key` is the glob.
   */
  delete: { key: string; namespace: string; pattern: boolean; deleted: boolean };
  evict: { key: string; namespace: string; tier: string; reason: 'evict' | 'expire' | 'corrupt' };
  corrupt: { key: string; namespace: string; tier: string; reason: string };
  'tier-error': { tier: string; op: string; error: Error };
  'tier-state': { tier: string; healthy: boolean };
  clear: Record<string, never>;
}

export interface Cache {
  readonly tiers: readonly Store[];
  /** The tiers' timeouts and circuit breakers; a distributed lock on a tier's server shares that tier's (guardLock). */
  readonly guard: TierGuard;
  readonly singleFlight: SingleFlight;
  readonly clock: Clock;
  readonly logger: Logger;
  get(key: string, options?: GetOptions): Promise<CacheEntry | undefined>;
  set(key: string, input: EntryInput, options?: SetOptions): Promise<boolean>;
  /** Cached value, or the loader's result stored; concurrent callers for one key share one loader call. */
  getOrSet(
    key: string,
    loader: () => Promise<EntryInput>,
    options?: SetOptions & GetOptions,
  ): Promise<CacheEntry>;
  has(key: string): Promise<boolean>;
  delete(key: string): Promise<boolean>;
  /** Remove every key matching a Redis-style glob from every tier. */
  deleteMatching(pattern: string): Promise<PurgeResult>;
  clear(): Promise<void>;
  /** Keys of all tiers matching a glob, each once. */
  keys(pattern?: string): AsyncIterable<string>;
  /** Record a lookup outcome that the caller decided (see GetOptions.record). */
  recordLookup(key: string, outcome: LookupOutcome, tier?: string, entry?: CacheEntry): void;
  /** Verify, decrypt and decompress a record read straight from a tier, with this cache's keys. */
  decodeRecord(record: StoredRecord): Promise<Buffer>;
  /** Delete these keys from every tier. */
  deleteMany(keys: Iterable<string>): Promise<PurgeResult>;
  namespaceOf(key: string): string;
  namespace(name: string): ResolvedNamespace;
  stats(): Promise<CacheStats>;
  on<E extends keyof CacheEvents>(event: E, listener: (payload: CacheEvents[E]) => void): this;
  off<E extends keyof CacheEvents>(event: E, listener: (payload: CacheEvents[E]) => void): this;
  close(): Promise<void>;
}

const BUILTIN_NAMESPACES: Readonly<Record<string, NamespaceOptions>> = DEFAULTS.createCache.namespaces;

/** What a guarded delete answers when its tier failed, told apart from "nothing to delete". */
const FAILED = Symbol('failed');

const CACHE_OPTIONS = optionChecker('createCache');
const SET_OPTIONS = optionChecker('cache.set');

function checkNamespace(check: OptionChecker, own: NamespaceOptions): void {
  check.object('', own);
  for (const field of ['ttl', 'staleWhileRevalidate', 'staleIfError'] as const) {
    check.nonNegative(field, own[field]);
  }
  check.sizeMb('maxSizeMb', own.maxSizeMb);
  check.boolean('encrypt', own.encrypt);
  if (typeof own.compression === 'object' && own.compression !== null) {
    const c = check.group('compression');
    c.object('', own.compression);
    const algorithm = c.oneOf('algorithm', own.compression.algorithm, ['gzip', 'br', 'zstd'] as const);
    // Fail at startup, not on the first write: this Node would store nothing it could read back.
    if (algorithm === 'zstd' && !zstdAvailable)
      c.fail('algorithm', `zstd needs Node 22.15+ (this is ${process.version}); use true for the default`);
    const [lo, hi] = COMPRESSION_LEVELS[algorithm ?? 'gzip'];
    c.intInRange('level', own.compression.level, lo, hi);
    c.nonNegativeInt('threshold', own.compression.threshold);
  } else if (own.compression !== undefined) {
    check.boolean('compression', own.compression);
  }
}

function resolveNamespace(
  name: string,
  own: NamespaceOptions,
  defaults: NamespaceOptions,
): ResolvedNamespace {
  checkNamespace(CACHE_OPTIONS.group(`namespaces.${name}`), own);
  const merged = { ...DEFAULTS.createCache.namespace, ...defaults, ...own };
  return {
    name,
    ttl: merged.ttl,
    staleWhileRevalidate: merged.staleWhileRevalidate,
    staleIfError: merged.staleIfError,
    compression: merged.compression === true ? DEFAULT_COMPRESSION : merged.compression,
    encrypt: merged.encrypt,
    ...(own.maxSizeMb !== undefined ? { maxSizeMb: own.maxSizeMb } : {}),
  };
}

class TieredCache extends EventEmitter implements Cache {
  readonly tiers: readonly Store[];
  readonly singleFlight: SingleFlight = createSingleFlight();
  readonly clock: Clock;
  readonly logger: Logger;
  private readonly namespaces = new Map<string, ResolvedNamespace>();
  private readonly fallbackNamespace: ResolvedNamespace;
  readonly guard: TierGuard;
  private readonly counters = createStats();
  private readonly keyring?: Keyring;
  private readonly signingKey?: Buffer;
  private readonly maxTtlMs: number;
  private readonly randomBytes?: (size: number) => Buffer;

  constructor(options: CacheOptions) {
    super();
    const check = CACHE_OPTIONS;
    check.object('options', options);
    if (options.tiers !== undefined && !Array.isArray(options.tiers))
      check.fail('tiers', 'must be an array of stores');
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.tiers = options.tiers ?? [memoryStore({ clock: this.clock })];
    if (this.tiers.length === 0) check.fail('tiers', 'must hold at least one store');
    const names = new Set<string>();
    for (const tier of this.tiers) {
      if (names.has(tier.name)) check.fail('tiers', `has two stores named "${tier.name}"; names must differ`);
      names.add(tier.name);
    }
    this.maxTtlMs = check.nonNegative('maxTtl', options.maxTtl, DEFAULTS.createCache.maxTtl / 1000) * 1000;
    const defaults = options.defaults ?? {};
    checkNamespace(check.group('defaults'), defaults);
    check.object('namespaces', options.namespaces);
    const own = { ...BUILTIN_NAMESPACES, ...(options.namespaces ?? {}) };
    for (const [name, ns] of Object.entries(own)) {
      if (!/^[a-z][a-z0-9_-]*$/i.test(name)) check.fail(`namespaces.${name}`, 'must be named by a word');
      const builtin = ownValue(BUILTIN_NAMESPACES, name) ?? {};
      this.namespaces.set(name, resolveNamespace(name, { ...builtin, ...ns }, defaults));
    }
    this.fallbackNamespace = resolveNamespace('default', {}, defaults);
    this.signingKey =
      typeof options.signingKey === 'string' ? Buffer.from(options.signingKey) : options.signingKey;
    this.randomBytes = options.randomBytes;
    const needsKeys = [...this.namespaces.values(), this.fallbackNamespace].some((ns) => ns.encrypt);
    this.keyring = options.keyring ?? (needsKeys ? keyringFromEnv() : undefined);
    if (needsKeys && !this.keyring) {
      check.fail(
        'keyring',
        'is required when a namespace sets encrypt: true (or set GATECACHE_ENCRYPTION_KEY)',
      );
    }
    check.methods('clock', options.clock, ['now'], 'a Clock');
    check.fn('randomBytes', options.randomBytes);
    this.guard = new TierGuard(options.tierGuard ?? {}, this.clock, this.logger, {
      onError: (tier, op, error) => this.emit('tier-error', { tier, op, error }),
      onState: (tier, healthy) => this.emit('tier-state', { tier, healthy }),
    });
    for (const tier of this.tiers) {
      for (const ns of this.namespaces.values()) {
        if (ns.maxSizeMb) tier.configureNamespace?.(ns.name, { maxBytes: ns.maxSizeMb * MB });
      }
      tier.listen?.({
        onRemove: (key, reason) => {
          const namespace = this.namespaceOf(key);
          if (reason === 'evict') this.counters.evicted(tier.name, namespace);
          this.emit('evict', { key, namespace, tier: tier.name, reason });
        },
        onAvailable: () => this.guard.retryNow(tier),
      });
    }
  }

  namespaceOf(key: string): string {
    return namespaceOf(key, this.namespaces);
  }

  namespace(name: string): ResolvedNamespace {
    return this.namespaces.get(name) ?? this.fallbackNamespace;
  }

  async get(key: string, options: GetOptions = {}): Promise<CacheEntry | undefined> {
    const namespace = this.namespaceOf(key);
    const now = this.clock.now();
    // Timing only when someone listens: the hit path stays free of it otherwise.
    const started = this.listenerCount('lookup') > 0 ? performance.now() : -1;
    for (let i = 0; i < this.tiers.length; i++) {
      const tier = this.tiers[i] as Store;
      const pending = this.guard.run(tier, 'get', () => tier.get(key), undefined);
      const record = isPromise(pending) ? await pending : pending;
      if (!record || now >= record.meta.staleUntil) {
        this.counters.tierMiss(tier.name);
        continue;
      }
      let body: Buffer;
      try {
        // Plain tiers hold records this process built; tiers outside it (disk, Redis) are verified.
        const decoded = tier.encoded ? this.decode(record) : record.data;
        body = isPromise(decoded) ? await decoded : decoded;
      } catch (err) {
        // A sound entry in an encoding this Node lacks (zstd, mixed fleet) is another instance's to serve: keep it.
        if (err instanceof UnreadableEntryError)
          this.logger.debug('gatecache: entry not readable here', {
            tier: tier.name,
            key,
            reason: err.message,
          });
        else this.corrupt(tier, key, namespace, err as Error);
        this.counters.tierMiss(tier.name);
        continue;
      }
      const stale = now >= record.meta.expiresAt;
      if (stale && !options.allowStale) break;
      if (i > 0) this.promote(i, tier, record, body);
      const entry = this.toEntry(record.meta, body, tier.name, now);
      const outcome = stale ? 'stale' : 'hit';
      if (started >= 0) this.emitLookup(key, namespace, outcome, started, tier.name);
      if (options.record !== false) this.recordLookup(key, outcome, tier.name, entry);
      return entry;
    }
    if (started >= 0) this.emitLookup(key, namespace, 'miss', started);
    if (options.record !== false) this.recordLookup(key, 'miss');
    return undefined;
  }

  recordLookup(key: string, outcome: LookupOutcome, tier?: string, entry?: CacheEntry): void {
    const namespace = this.namespaceOf(key);
    this.counters.lookup(namespace, outcome, tier);
    if (outcome === 'miss') this.emit('miss', { key, namespace });
    else this.emit('hit', { key, namespace, tier: tier ?? 'unknown', stale: outcome === 'stale', entry });
  }

  private emitLookup(
    key: string,
    namespace: string,
    outcome: LookupOutcome,
    started: number,
    tier?: string,
  ): void {
    this.emit('lookup', { key, namespace, outcome, tier, durationMs: performance.now() - started });
  }

  /** Verify, decrypt and decompress a record read straight from a tier, with this cache's keys. */
  decodeRecord(record: StoredRecord): Promise<Buffer> {
    return Promise.resolve().then(() => this.decode(record));
  }

  async deleteMany(keys: Iterable<string>): Promise<PurgeResult> {
    const list = [...new Set(keys)];
    const byTier: Record<string, number> = {};
    await Promise.all(
      this.tiers.map(async (tier) => {
        let n = 0;
        for (const key of list) {
          // Past an open breaker too (see deleteMatching); the first failure ends this tier's turn.
          const removed = await this.guard.run<boolean | typeof FAILED>(
            tier,
            'delete',
            () => tier.delete(key),
            FAILED,
            { evenIfOpen: true },
          );
          if (removed === FAILED) break;
          if (removed) n++;
        }
        setOwn(byTier, tier.name, n);
      }),
    );
    for (const key of list) {
      const namespace = this.namespaceOf(key);
      this.counters.deleted(namespace, 1);
      this.emit('delete', { key, namespace, pattern: false, deleted: true });
    }
    return { deleted: Math.max(0, ...Object.values(byTier)), byTier };
  }

  async set(key: string, input: EntryInput, options: SetOptions = {}): Promise<boolean> {
    return (await this.write(key, input, options)).stored;
  }

  /**
   * The one place an entry's timing is decided (freshness and stale windows, both capped by maxTtl), so what
   * getOrSet hands back is what set stored. A ttl of 0 stores nothing and answers an already-expired timing.
   */
  private timingOf(ns: ResolvedNamespace, options: SetOptions, now: number): RecordTiming {
    const ttl = SET_OPTIONS.nonNegative('ttl', options.ttl, ns.ttl);
    const freshMs = Math.min(ttl * 1000, this.maxTtlMs);
    const staleMs =
      Math.max(
        options.staleWhileRevalidate ?? ns.staleWhileRevalidate,
        options.staleIfError ?? ns.staleIfError,
      ) * 1000;
    return {
      createdAt: now,
      expiresAt: now + freshMs,
      staleUntil: now + Math.min(freshMs + staleMs, this.maxTtlMs),
    };
  }

  private async write(
    key: string,
    input: EntryInput,
    options: SetOptions,
  ): Promise<{ stored: boolean; timing: RecordTiming; namespace: string; body: Buffer }> {
    const namespace = this.namespaceOf(key);
    const ns = this.namespace(namespace);
    const timing = this.timingOf(ns, options, this.clock.now());
    const body = typeof input.body === 'string' ? Buffer.from(input.body) : input.body;
    if (timing.expiresAt <= timing.createdAt) return { stored: false, timing, namespace, body };
    const fields = this.fieldsOf(input, options.tags);
    let plain: Promise<StoredRecord> | undefined;
    let encoded: Promise<StoredRecord> | undefined;
    const recordFor = (tier: Store): Promise<StoredRecord> => {
      if (tier.encoded) {
        encoded ??= encodeRecord(key, namespace, body, timing, fields, this.codecOptions(ns));
        return encoded;
      }
      plain ??= encodeRecord(key, namespace, body, timing, fields, { signingKey: this.signingKey });
      return plain;
    };
    const results = await Promise.all(
      this.tiers.map(async (tier) => {
        const record = await recordFor(tier);
        return this.guard.run(tier, 'set', () => tier.set(record), false);
      }),
    );
    const stored = results.some(Boolean);
    const sample = await (encoded ?? plain);
    if (sample) {
      this.counters.set(namespace, body.length, sample.data.length, this.tiers, results);
      this.emit('set', {
        key,
        namespace,
        size: body.length,
        storedSize: sample.data.length,
        meta: sample.meta,
      });
    }
    return { stored, timing, namespace, body };
  }

  async getOrSet(
    key: string,
    loader: () => Promise<EntryInput>,
    options: SetOptions & GetOptions = {},
  ): Promise<CacheEntry> {
    const cached = await this.get(key, options);
    if (cached) return cached;
    return this.singleFlight.run(key, async () => {
      const input = await loader();
      const { timing, namespace, body } = await this.write(key, input, options);
      return {
        ...this.fieldsOf(input, options.tags),
        key,
        namespace,
        ...timing,
        size: body.length,
        body,
        age: 0,
        ttl: Math.floor((timing.expiresAt - timing.createdAt) / 1000),
        stale: false,
        tier: 'origin',
      };
    });
  }

  async has(key: string): Promise<boolean> {
    for (const tier of this.tiers) {
      if (await this.guard.run(tier, 'has', () => tier.has(key), false)) return true;
    }
    return false;
  }

  async delete(key: string): Promise<boolean> {
    const results = await this.onAllTiers('delete', (tier) => tier.delete(key), false);
    const deleted = results.some(Boolean);
    const namespace = this.namespaceOf(key);
    if (deleted) this.counters.deleted(namespace, 1);
    this.emit('delete', { key, namespace, pattern: false, deleted });
    return deleted;
  }

  async deleteMatching(pattern: string): Promise<PurgeResult> {
    const match = globMatcher(pattern);
    const byTier: Record<string, number> = {};
    await Promise.all(
      this.tiers.map(async (tier) => {
        // A purge goes to every tier even while its breaker is open: an entry left in a lower tier would be
        // served again, so the tier is tried and its failure reported rather than skipped in silence.
        const removed = await this.guard.run(
          tier,
          'deleteMatching',
          async () => {
            if (tier.deleteMatching) return tier.deleteMatching(pattern);
            let n = 0;
            for await (const key of tier.keys(pattern)) if (match(key) && (await tier.delete(key))) n++;
            return n;
          },
          0,
          // A purge walks the keyspace: give it more time than a single lookup.
          { timeoutMs: 60_000, evenIfOpen: true },
        );
        setOwn(byTier, tier.name, removed);
      }),
    );
    const deleted = Math.max(0, ...Object.values(byTier));
    this.counters.deleted(pattern.endsWith('*') ? this.namespaceOf(pattern) : 'default', deleted);
    this.emit('delete', {
      key: pattern,
      namespace: this.namespaceOf(pattern),
      pattern: true,
      deleted: deleted > 0,
    });
    return { deleted, byTier };
  }

  async clear(): Promise<void> {
    await this.onAllTiers('clear', (tier) => tier.clear(), undefined);
    this.emit('clear', {});
  }

  // No set of every key seen: a key from a lower tier is skipped when a tier above holds it, so memory
  // stays bounded however large the keyspace (lower tiers usually hold what upper ones do).
  async *keys(pattern = '*'): AsyncIterable<string> {
    for (let i = 0; i < this.tiers.length; i++) {
      const tier = this.tiers[i] as Store;
      if (!this.guard.available(tier)) continue;
      const above = this.tiers.slice(0, i);
      try {
        for await (const key of tier.keys(pattern)) {
          let seen = false;
          for (const upper of above) {
            const has = this.guard.run(upper, 'has', () => upper.has(key), false);
            if (isPromise(has) ? await has : has) {
              seen = true;
              break;
            }
          }
          if (!seen) yield key;
        }
      } catch (err) {
        this.guard.failed(tier, 'keys', err as Error);
      }
    }
  }

  async stats(): Promise<CacheStats> {
    const tierStats = await this.onAllTiers('stats', (tier) => tier.stats(), undefined);
    return this.counters.snapshot(this.tiers, tierStats, this.guard, [...this.namespaces.keys()]);
  }

  async close(): Promise<void> {
    // Every tier is closed, even one whose breaker is open: skipping it would leave its connection open.
    await Promise.all(
      this.tiers.map(async (tier) =>
        this.guard.run(tier, 'close', () => tier.close(), undefined, { evenIfOpen: true }),
      ),
    );
    this.removeAllListeners();
  }

  /** One guarded call per tier, in parallel. */
  private onAllTiers<T>(op: string, fn: (tier: Store) => MaybePromise<T>, fallback: T): Promise<T[]> {
    return Promise.all(this.tiers.map(async (tier) => this.guard.run(tier, op, () => fn(tier), fallback)));
  }

  private decode(record: StoredRecord): Buffer | Promise<Buffer> {
    return decodeRecord(record, { keyring: this.keyring, signingKey: this.signingKey });
  }

  private codecOptions(ns: ResolvedNamespace) {
    return {
      compression: ns.compression,
      ...(ns.encrypt ? { keyring: this.keyring } : {}),
      signingKey: this.signingKey,
      randomBytes: this.randomBytes,
    };
  }

  private fieldsOf(input: EntryInput, extraTags: string[] = []): RecordFields {
    const tags = [...new Set([...(input.tags ?? []), ...extraTags])];
    const fields: RecordFields = { tags };
    if (input.status !== undefined) fields.status = input.status;
    if (input.headers) fields.headers = input.headers;
    if (input.kind) fields.kind = input.kind;
    if (input.provider) fields.provider = input.provider;
    if (input.model) fields.model = input.model;
    if (input.endpoint) fields.endpoint = input.endpoint;
    if (input.tenant) fields.tenant = input.tenant;
    if (input.usage) fields.usage = input.usage;
    if (input.extra) fields.extra = input.extra;
    return fields;
  }

  // Built field by field: object rest (`...rest`) compiles to a helper that costs microseconds per hit.
  private toEntry(meta: EntryMeta, body: Buffer, tier: string, now: number): CacheEntry {
    return {
      key: meta.key,
      namespace: meta.namespace,
      createdAt: meta.createdAt,
      expiresAt: meta.expiresAt,
      staleUntil: meta.staleUntil,
      size: meta.size,
      tags: meta.tags,
      kind: meta.kind,
      status: meta.status,
      headers: meta.headers,
      provider: meta.provider,
      model: meta.model,
      endpoint: meta.endpoint,
      tenant: meta.tenant,
      usage: meta.usage,
      extra: meta.extra,
      body,
      age: Math.max(0, Math.floor((now - meta.createdAt) / 1000)),
      ttl: Math.max(0, Math.floor((meta.expiresAt - now) / 1000)),
      stale: now >= meta.expiresAt,
      tier,
    };
  }

  private corrupt(tier: Store, key: string, namespace: string, err: Error): void {
    const reason = err instanceof CorruptEntryError ? err.message : `decode failed: ${err.message}`;
    this.counters.corrupted(tier.name);
    this.logger.warn('gatecache: corrupt entry removed', { tier: tier.name, key, reason });
    this.emit('corrupt', { key, namespace, tier: tier.name, reason });
    void this.guard.run(tier, 'delete', () => tier.delete(key), false);
  }

  /** Copy a lower-tier hit into the tiers above it, in the encoding each expects; never delays the caller. */
  private promote(index: number, source: Store, record: StoredRecord, body: Buffer): void {
    const { meta } = record;
    const ns = this.namespace(meta.namespace);
    const {
      v: _v,
      key: _k,
      namespace: _n,
      createdAt,
      expiresAt,
      staleUntil,
      size: _sz,
      storedSize: _ss,
      encoding: _enc,
      encryption: _en,
      integrity: _in,
      ...fields
    } = meta;
    const timing = { createdAt, expiresAt, staleUntil };
    let plain: Promise<StoredRecord> | undefined;
    for (const tier of this.tiers.slice(0, index)) {
      const build = (): Promise<StoredRecord> => {
        if (tier.encoded === source.encoded) return Promise.resolve(record);
        if (tier.encoded)
          return encodeRecord(meta.key, meta.namespace, body, timing, fields, this.codecOptions(ns));
        plain ??= encodeRecord(meta.key, meta.namespace, body, timing, fields, {
          signingKey: this.signingKey,
        });
        return plain;
      };
      void build().then((r) => this.guard.run(tier, 'promote', () => tier.set(r), false));
    }
  }
}

/** The tiered cache: read in order, promote lower-tier hits upward, write to all; failing tiers are skipped. */
export function createCache(options: CacheOptions = {}): Cache {
  return new TieredCache(options);
}
