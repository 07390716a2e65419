/**
 * Every default of this package's factories, in one place; the option docs and the README point here.
 * `connection` holds what redisStore, invalidationBus and redisLock share.
 */
export const DEFAULTS = Object.freeze({
  connection: Object.freeze({
    host: '127.0.0.1',
    port: 6379,
    db: 0,
    /** A lookup waits at most this long (ms) before the tier is skipped. */
    commandTimeoutMs: 100,
    connectTimeoutMs: 2000,
    maxReconnectDelayMs: 500,
    enableAutoPipelining: true,
    tls: false,
  }),
  redisStore: Object.freeze({
    keyPrefix: 'gatecache:',
    name: 'redis',
    statsMaxAgeMs: 5000,
    scanCount: 500,
    deleteBatchSize: 500,
  }),
  invalidationBus: Object.freeze({
    keyPrefix: 'gatecache:',
    /** The channel is `<keyPrefix>` followed by this. */
    channelSuffix: 'invalidate',
    publishSets: false,
  }),
  redisLock: Object.freeze({
    keyPrefix: 'gatecache:',
    pollIntervalMs: 100,
    tier: 'redis',
  }),
  /** What `ready()` waits for at most (ms) when given no timeout. */
  readyTimeoutMs: 5000,
});
