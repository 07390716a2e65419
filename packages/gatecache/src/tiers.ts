import { resolve as resolvePath } from 'node:path';
import { memoryStore } from '@gatecache/core';
import type { Clock, Logger, Store } from '@gatecache/core';
import type { TierPolicy, TierSwitchOptions } from '@gatecache/admin';
import { diskStore } from '@gatecache/store-disk';
import { invalidationBus, redisLock, redisOptionsFromConfig, redisStore } from '@gatecache/store-redis';
import type { InvalidationBus, RedisConfigBlock, RedisLock, RedisStore } from '@gatecache/store-redis';
import type { GatecacheConfig } from './resolve';

export interface Tiers {
  tiers: Store[];
  /** Tiers of this instance only (memory, disk): the invalidation bus drops purged keys from them. */
  local: Store[];
  redis?: RedisStore;
  /** Built but not attached: attach it to the cache once the cache exists. */
  bus?: InvalidationBus;
  lock?: RedisLock;
  /** Closes what the cache does not close itself (bus, lock). */
  close(): Promise<void>;
}

/** The store options a policy decides (`bounded` is informational). */
function switches(o: TierSwitchOptions): { honorTtl: boolean; maxSizeMb?: number } {
  return { honorTtl: o.honorTtl, ...(o.maxSizeMb !== undefined ? { maxSizeMb: o.maxSizeMb } : {}) };
}

/**
 * Memory + disk by default. With Redis: a small memory tier (coherent through the bus) + Redis, and disk
 * only when `disk.enabled` says so; Redis then is the shared tier, so it comes last (local tiers first).
 */
export function buildTiers(
  config: GatecacheConfig,
  deps: { clock: Clock; logger: Logger; policy: TierPolicy },
): Tiers {
  const { clock, logger, policy } = deps;
  const local: Store[] = [];
  const redisOn = config.redis.enabled;
  const memoryMb = redisOn ? config.redis.local_cache_mb : config.memoryMb;
  if (memoryMb > 0) local.push(memoryStore({ maxSizeMb: memoryMb, ...switches(policy.memory), clock }));
  if (config.disk.enabled) {
    local.push(
      diskStore({
        path: resolvePath(config.disk.path),
        maxSizeMb: config.disk.max_size_mb,
        ...switches(policy.disk),
        clock,
        logger,
      }),
    );
  }
  if (!redisOn) {
    return { tiers: local, local, close: async () => {} };
  }
  const { local_cache_mb: _l, lock: _k, ...block } = config.redis;
  const options = redisOptionsFromConfig(block as RedisConfigBlock);
  if (!options) throw new Error('redis.enabled is true but the redis block did not give a connection');
  const redis = redisStore({ ...options, clock, logger });
  const bus = invalidationBus({ ...options, keyPrefix: options.keyPrefix, logger });
  // Same server as the Redis tier: the response cache puts the lock behind that tier's breaker.
  const lock = config.redis.lock
    ? redisLock({ ...options, keyPrefix: options.keyPrefix, tier: redis.name })
    : undefined;
  return {
    tiers: [...local, redis],
    local,
    redis,
    bus,
    lock,
    async close() {
      await Promise.allSettled([bus.close(), lock?.close()]);
    },
  };
}
