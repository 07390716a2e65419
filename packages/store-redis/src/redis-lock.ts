import { createHash, randomBytes as nodeRandomBytes } from 'node:crypto';
import { silentLogger } from '@gatecache/core';
import type { DistributedLock, LockHandle } from '@gatecache/core';
import { checkConnectionOptions, pubSubConnection } from './connection';
import { DEFAULTS } from './defaults';
import type { RedisClient, RedisConnectionOptions } from './types';

export interface RedisLockOptions extends RedisConnectionOptions {
  /** Lock keys are `<keyPrefix>lock:<key>`, releases are announced on `<keyPrefix>lock-released`. */
  keyPrefix?: string;
  /**
   * How often a waiter checks whether the lock still exists, so that a lock whose owner died (and which
   * therefore expired instead of being released, with no announcement) is noticed.
   */
  pollIntervalMs?: number;
  /**
   * The name of the cache tier on the same Redis: a response cache (or lockedGetOrSet) puts the lock behind
   * that tier's circuit breaker, so one breaker covers both. Default `redis` (redisStore's default name); name
   * another tier, or one of its own, when the lock talks to another server.
   */
  tier?: string;
  randomBytes?: (size: number) => Buffer;
}

export interface RedisLock extends DistributedLock {
  /**
   * Resolves once the command connection is up and the release subscription is live (the subscription is
   * opened by the first wait, or by this call).
   */
  ready(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

interface Script {
  lua: string;
  sha: string;
}

const script = (lua: string): Script => ({ lua, sha: createHash('sha1').update(lua).digest('hex') });

/** Delete only our own lock (compare-and-delete) and announce the release in the same atomic step. */
const RELEASE = script(`
if redis.call('get', KEYS[1]) == ARGV[1] then
  redis.call('del', KEYS[1])
  redis.call('publish', ARGV[2], ARGV[3])
  return 1
end
return 0`);

/** Push out the expiry only while we still own the lock. */
const EXTEND = script(`
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0`);

/** EVALSHA, loading the script with EVAL when this server has not seen it (restart, failover, new node). */
async function run(
  client: RedisClient,
  s: Script,
  key: string,
  args: Array<string | number>,
): Promise<number> {
  try {
    return (await client.evalsha(s.sha, 1, key, ...args)) as number;
  } catch (err) {
    if (!(err as Error).message.startsWith('NOSCRIPT')) throw err;
    return (await client.eval(s.lua, 1, key, ...args)) as number;
  }
}

/**
 * Cross-instance lock for single-flight: `SET NX PX` with a random owner token, compare-and-delete release
 * and compare-and-pexpire extend (Lua), and waiters woken by a pub/sub message on release, with polling as
 * the fallback for a lock that expired because its owner died.
 */
export function redisLock(options: RedisLockOptions = {}): RedisLock {
  const who = 'redisLock';
  const check = checkConnectionOptions(who, options);
  const d = DEFAULTS.redisLock;
  const keyPrefix = options.keyPrefix ?? d.keyPrefix;
  if (typeof keyPrefix !== 'string') check.fail('keyPrefix', 'must be a string');
  const pollIntervalMs = check.positive('pollIntervalMs', options.pollIntervalMs, d.pollIntervalMs);
  const tier = check.string('tier', options.tier, d.tier);
  check.fn('randomBytes', options.randomBytes);
  const logger = options.logger ?? silentLogger;
  const random = options.randomBytes ?? nodeRandomBytes;
  const channel = `${keyPrefix}lock-released`;
  const lockKey = (key: string): string => `${keyPrefix}lock:${key}`;

  const waiters = new Map<string, Set<() => void>>();
  const wake = (key: string): void => {
    for (const fn of [...(waiters.get(key) ?? [])]) fn();
  };
  // The release subscription is opened by the first wait (or ready()): an instance that never waits needs none.
  const connection = pubSubConnection(
    'redis-lock',
    options,
    {
      channel,
      onMessage: wake,
      // After a reconnect, releases may have been missed: let every waiter look again.
      onResubscribe() {
        for (const key of waiters.keys())
          void client.exists(lockKey(key)).then(
            (n) => n === 0 && wake(key),
            () => {},
          );
      },
    },
    logger,
  );
  const client = connection.client;

  return {
    tier,
    async acquire(key: string, ttlMs: number): Promise<LockHandle | undefined> {
      if (!(Number.isInteger(ttlMs) && ttlMs > 0))
        throw new Error(`${who}: ttlMs must be a positive integer (got ${ttlMs})`);
      const token = random(16).toString('hex');
      const name = lockKey(key);
      let reply: string | null;
      try {
        reply = await client.set(name, token, 'PX', ttlMs, 'NX');
      } catch (err) {
        // A timed-out SET still runs once a stalled Redis answers again: delete the lock then if it is ours
        // (queued behind the SET on this connection), so nobody's lock blocks the key for ttlMs.
        run(client, RELEASE, name, [token, channel, key]).catch(() => undefined);
        throw err;
      }
      if (reply !== 'OK') return undefined;
      return {
        async release() {
          try {
            await run(client, RELEASE, name, [token, channel, key]);
          } catch (err) {
            // The lock expires on its own; waiters notice by polling.
            logger.debug('gatecache: lock release failed', { key, error: (err as Error).message });
          }
        },
        async extend(ms: number) {
          if (!(Number.isInteger(ms) && ms > 0))
            throw new Error(`${who}: extend ttlMs must be a positive integer (got ${ms})`);
          try {
            return (await run(client, EXTEND, name, [token, ms])) === 1;
          } catch {
            return false;
          }
        },
      };
    },

    waitForRelease(key: string, timeoutMs: number): Promise<void> {
      return new Promise((resolve) => {
        let set = waiters.get(key);
        if (!set) waiters.set(key, (set = new Set()));
        const finish = (): void => {
          clearTimeout(timer);
          clearInterval(poll);
          const own = waiters.get(key);
          own?.delete(finish);
          if (own?.size === 0) waiters.delete(key);
          resolve();
        };
        set.add(finish);
        const check = (): void => {
          // A failing poll means Redis is unreachable: stop waiting, so the caller's next acquire fails fast
          // and it goes upstream itself instead of waiting out the whole timeout.
          client.exists(lockKey(key)).then((n) => n === 0 && finish(), finish);
        };
        const timer = setTimeout(finish, timeoutMs);
        const poll = setInterval(check, pollIntervalMs);
        // Once subscribed, look once: the release may have happened before the subscription was live.
        connection.subscribe().then(check, check);
      });
    },

    ready(timeoutMs = DEFAULTS.readyTimeoutMs) {
      return connection.ready(timeoutMs);
    },

    async close() {
      for (const key of [...waiters.keys()]) wake(key);
      await connection.close();
    },
  };
}
