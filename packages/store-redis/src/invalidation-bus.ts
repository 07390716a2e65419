import { randomBytes as nodeRandomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { silentLogger } from '@gatecache/core';
import type { Cache, CacheEvents, Store } from '@gatecache/core';
import { checkConnectionOptions, pubSubConnection } from './connection';
import { DEFAULTS } from './defaults';
import type { RedisConnectionOptions } from './types';

/** What travels on the channel. `value` is a key (`key`), a glob (`pattern`) or absent (`all`). */
export interface PurgeMessage {
  origin: string;
  type: 'key' | 'pattern' | 'all';
  value?: string;
}

export interface InvalidationBusOptions extends RedisConnectionOptions {
  /** Used to name the channel; give the Redis tier's. */
  keyPrefix?: string;
  /** Pub/sub channel. */
  channel?: string;
  /** This instance's id; its own messages are ignored when they come back. Default host-pid-random. */
  instanceId?: string;
  /** Also publish a key when this instance writes it, so other instances drop their older copy. */
  publishSets?: boolean;
  randomBytes?: (size: number) => Buffer;
}

export interface BusStats {
  published: number;
  publishErrors: number;
  received: number;
  /** Messages from other instances applied to the local tiers. */
  applied: number;
  /** Messages that were not gatecache purge messages. */
  ignored: number;
  /** Times the local tiers were cleared because the subscriber reconnected (messages may have been missed). */
  resyncs: number;
}

export interface InvalidationBus {
  readonly instanceId: string;
  readonly channel: string;
  readonly stats: Readonly<BusStats>;
  /**
   * Resolves once the publishing connection is up and the subscription is live (rejects after `timeoutMs`,
   * default 5000).
   */
  ready(timeoutMs?: number): Promise<void>;
  /** Send a purge to every other instance. Never throws; false when Redis did not take it. */
  publish(message: Omit<PurgeMessage, 'origin'>): Promise<boolean>;
  /**
   * Keep `cache`'s local tiers coherent: purges made through `cache` (delete, deleteMatching, clear) are
   * published, and purges from other instances are applied to `localTiers` (default: the cache's memory
   * tiers). Returns a function that detaches it.
   */
  attach(cache: Cache, localTiers?: readonly Store[]): () => void;
  close(): Promise<void>;
}

function parse(raw: string): PurgeMessage | undefined {
  let msg: unknown;
  try {
    msg = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof msg !== 'object' || msg === null) return undefined;
  const { origin, type, value } = msg as Record<string, unknown>;
  if (typeof origin !== 'string') return undefined;
  if (type === 'all') return { origin, type };
  if ((type === 'key' || type === 'pattern') && typeof value === 'string' && value)
    return { origin, type, value };
  return undefined;
}

async function apply(tier: Store, msg: PurgeMessage): Promise<void> {
  if (msg.type === 'all') return tier.clear();
  const value = msg.value as string;
  if (msg.type === 'key') {
    await tier.delete(value);
  } else if (tier.deleteMatching) {
    await tier.deleteMatching(value);
  } else {
    for await (const key of tier.keys(value)) await tier.delete(key);
  }
}

/**
 * Cross-instance invalidation over Redis pub/sub, on a subscriber connection of its own. Pub/sub is
 * fire-and-forget: an instance whose subscriber was disconnected may have missed purges, so when it
 * reconnects it clears the local tiers it guards rather than keep serving what may have been purged.
 */
export function invalidationBus(options: InvalidationBusOptions = {}): InvalidationBus {
  const check = checkConnectionOptions('invalidationBus', options);
  const d = DEFAULTS.invalidationBus;
  const keyPrefix = options.keyPrefix ?? d.keyPrefix;
  if (typeof keyPrefix !== 'string') check.fail('keyPrefix', 'must be a string');
  const publishSets = check.boolean('publishSets', options.publishSets, d.publishSets);
  const channel = check.string('channel', options.channel, `${keyPrefix}${d.channelSuffix}`);
  check.string('instanceId', options.instanceId);
  check.fn('randomBytes', options.randomBytes);
  const logger = options.logger ?? silentLogger;
  const random = options.randomBytes ?? nodeRandomBytes;
  const instanceId = options.instanceId ?? `${hostname()}-${process.pid}-${random(4).toString('hex')}`;

  const stats: BusStats = { published: 0, publishErrors: 0, received: 0, applied: 0, ignored: 0, resyncs: 0 };
  const attached = new Set<{ tiers: readonly Store[] }>();
  let publishFailing = false;

  const applyAll = (msg: PurgeMessage): void => {
    for (const { tiers } of attached) {
      for (const tier of tiers) {
        apply(tier, msg).catch((err: Error) =>
          logger.warn('gatecache: invalidation not applied', {
            tier: tier.name,
            type: msg.type,
            error: err.message,
          }),
        );
      }
    }
  };

  const connection = pubSubConnection(
    'invalidation-bus',
    options,
    {
      channel,
      onMessage(raw) {
        stats.received++;
        const msg = parse(raw);
        if (!msg) {
          stats.ignored++;
          return;
        }
        if (msg.origin === instanceId) return;
        stats.applied++;
        applyAll(msg);
      },
      onResubscribe() {
        stats.resyncs++;
        logger.info(
          'gatecache: invalidation bus reconnected; clearing local tiers (purges may have been missed)',
          { instanceId },
        );
        applyAll({ origin: instanceId, type: 'all' });
      },
    },
    logger,
  );
  const publisher = connection.client;
  // Subscribed from the start: purges from other instances must reach this one before it is asked to.
  void connection.subscribe();

  async function publish(message: Omit<PurgeMessage, 'origin'>): Promise<boolean> {
    const payload: PurgeMessage = { origin: instanceId, type: message.type };
    if (message.type !== 'all') payload.value = message.value;
    try {
      await publisher.publish(channel, JSON.stringify(payload));
      stats.published++;
      if (publishFailing) {
        publishFailing = false;
        logger.info('gatecache: invalidation bus publishing again', { instanceId });
      }
      return true;
    } catch (err) {
      stats.publishErrors++;
      if (!publishFailing) {
        publishFailing = true;
        logger.warn('gatecache: invalidation not published; other instances keep their copies until TTL', {
          instanceId,
          error: (err as Error).message,
        });
      }
      return false;
    }
  }

  return {
    instanceId,
    channel,
    stats,
    ready(timeoutMs = DEFAULTS.readyTimeoutMs) {
      return connection.ready(timeoutMs);
    },
    publish,
    attach(cache, localTiers) {
      const entry = { tiers: localTiers ?? cache.tiers.filter((t) => t.kind === 'memory') };
      attached.add(entry);
      const onDelete = ({ key, pattern }: CacheEvents['delete']): void =>
        void publish(pattern ? { type: 'pattern', value: key } : { type: 'key', value: key });
      const onClear = (): void => void publish({ type: 'all' });
      const onSet = ({ key }: CacheEvents['set']): void => void publish({ type: 'key', value: key });
      cache.on('delete', onDelete);
      cache.on('clear', onClear);
      if (publishSets) cache.on('set', onSet);
      return () => {
        attached.delete(entry);
        cache.off('delete', onDelete);
        cache.off('clear', onClear);
        cache.off('set', onSet);
      };
    },
    async close() {
      attached.clear();
      await connection.close();
    },
  };
}
