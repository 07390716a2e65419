import {
  CorruptEntryError,
  globMatcher,
  parseRecord,
  safeStoreGlob,
  serializeRecord,
  silentLogger,
  systemClock,
} from '@gatecache/core';
import type {
  RemovalReason,
  Store,
  StoreListener,
  StoredRecord,
  TierHealth,
  TierStats,
} from '@gatecache/core';
import { DEFAULTS } from './defaults';
import { checkConnectionOptions, closeClient, connect, watchConnection, whenReady } from './connection';
import { createKeyCounter } from './key-counter';
import { clientPrefixOf, escapeGlob, scanKeys, unlinkKeys } from './scan';
import type { RedisClient, RedisStoreOptions } from './types';

/** A Redis tier; `client` is exposed so the invalidation bus and the lock can share its connection. */
export interface RedisStore extends Store {
  readonly client: RedisClient;
  readonly keyPrefix: string;
  /** Resolves once the connection is ready; rejects after `timeoutMs` (default 5000). */
  ready(timeoutMs?: number): Promise<void>;
}

/**
 * The shared tier: records serialized by the core codec (already compressed and encrypted, since the tier is
 * `encoded`), stored with native expiry at the end of their stale window, found by `SCAN` on every master.
 * Nothing tracks keys in Redis: no set grows with the keyspace.
 */
export function redisStore(options: RedisStoreOptions = {}): RedisStore {
  const check = checkConnectionOptions('redisStore', options);
  const d = DEFAULTS.redisStore;
  const keyPrefix = options.keyPrefix ?? d.keyPrefix;
  if (typeof keyPrefix !== 'string') check.fail('keyPrefix', 'must be a string');
  const name = check.string('name', options.name, d.name);
  const statsMaxAgeMs = check.nonNegative('statsMaxAgeMs', options.statsMaxAgeMs, d.statsMaxAgeMs);
  const scanCount = check.positiveInt('scanCount', options.scanCount, d.scanCount);
  const batchSize = check.positiveInt('deleteBatchSize', options.deleteBatchSize, d.deleteBatchSize);
  check.methods('clock', options.clock, ['now'], 'a Clock');
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;

  const { client, owned } = connect(options);
  const watch = watchConnection(client, name, logger);
  const clientPrefix = clientPrefixOf(client);
  const listeners: StoreListener[] = [];
  // A reconnect ends the cache's breaker cooldown for this tier: Redis is used again as soon as it is back.
  watch.onRestore(() => {
    for (const l of listeners) l.onAvailable?.();
  });
  let corrupt = 0;

  const full = (key: string): string => keyPrefix + key;
  // SCAN MATCH sees keys as stored: with the client's own ioredis prefix and ours, taken literally.
  const matchOf = (pattern: string): string => escapeGlob(clientPrefix + keyPrefix) + pattern;
  const stripAll = clientPrefix.length + keyPrefix.length;
  /**
   * Redis's own matcher backtracks exponentially on runs of stars (Redis 6: `*?*?*?*?*?*Z` stalls the server),
   * so it only ever gets a literal head, one star and a literal tail; our linear matcher keeps the keys the
   * glob selects (`filter` undefined when Redis's answer is already exact).
   */
  const scanOf = (pattern: string): { match: string; filter?: (key: string) => boolean } => {
    const safe = safeStoreGlob(pattern);
    return safe.exact
      ? { match: matchOf(safe.match) }
      : { match: matchOf(safe.match), filter: globMatcher(pattern) };
  };
  const notify = (key: string, reason: RemovalReason): void => {
    for (const l of listeners) l.onRemove?.(key, reason);
  };

  async function deleteMatching(pattern: string): Promise<number> {
    const { match, filter } = scanOf(pattern);
    let removed = 0;
    for await (const { keys } of scanKeys(client, match, scanCount)) {
      const selected = filter ? keys.filter((k) => filter(k.slice(stripAll))) : keys;
      if (selected.length > 0) removed += await unlinkKeys(client, selected, batchSize, clientPrefix);
    }
    return removed;
  }

  const counter = createKeyCounter({
    client,
    match: matchOf('*'),
    clientPrefix,
    stripLength: stripAll,
    scanCount,
    maxAgeMs: statsMaxAgeMs,
    clock,
  });

  return {
    name,
    kind: 'redis',
    encoded: true,
    client,
    keyPrefix,
    ready: (timeoutMs = DEFAULTS.readyTimeoutMs) => whenReady(client, timeoutMs),

    async get(key) {
      const buf = await client.getBuffer(full(key));
      if (!buf) return undefined;
      try {
        return parseRecord(buf, key);
      } catch (err) {
        if (!(err instanceof CorruptEntryError)) throw err;
        corrupt++;
        logger.warn('gatecache: corrupt redis entry removed', { tier: name, key, reason: err.message });
        notify(key, 'corrupt');
        await client.unlink(full(key));
        return undefined;
      }
    },

    async set(record: StoredRecord) {
      // Redis drops the entry itself when it can no longer be served, even stale.
      const ttlMs = Math.ceil(record.meta.staleUntil - clock.now());
      if (ttlMs <= 0) return false;
      await client.set(full(record.meta.key), serializeRecord(record), 'PX', ttlMs);
      return true;
    },

    async delete(key) {
      return (await client.unlink(full(key))) > 0;
    },

    async has(key) {
      return (await client.exists(full(key))) > 0;
    },

    async clear() {
      // Only our keys: the database may hold other applications' data, so never FLUSHDB.
      await deleteMatching('*');
      counter.invalidate();
    },

    async *keys(pattern = '*') {
      const { match, filter } = scanOf(pattern);
      for await (const { keys } of scanKeys(client, match, scanCount)) {
        for (const stored of keys) {
          const key = stored.slice(stripAll);
          if (!filter || filter(key)) yield key;
        }
      }
    },

    async deleteMatching(pattern) {
      const removed = await deleteMatching(pattern);
      counter.invalidate();
      return removed;
    },

    async stats(): Promise<TierStats> {
      const figure = await counter.current();
      return {
        name,
        kind: 'redis',
        entries: figure.entries,
        bytes: figure.bytes,
        maxBytes: 0,
        evictions: 0,
        rejected: 0,
        corrupt,
        expired: 0,
        namespaces: figure.namespaces,
      };
    },

    async health(): Promise<TierHealth> {
      const started = performance.now();
      try {
        await client.ping();
        return { ok: true, latencyMs: Math.round((performance.now() - started) * 100) / 100 };
      } catch (err) {
        return { ok: false, message: watch.lastError ?? (err as Error).message };
      }
    },

    listen(listener) {
      listeners.push(listener);
    },

    async close() {
      counter.invalidate();
      watch.silence();
      // Close first: our 'error' listener must outlive the connection's last event.
      if (owned) await closeClient(client);
      watch.detach();
    },
  };
}
