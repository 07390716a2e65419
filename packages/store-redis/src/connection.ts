import { Cluster, Redis } from 'ioredis';
import type { ClusterOptions, RedisOptions } from 'ioredis';
import { optionChecker, silentLogger } from '@gatecache/core';
import type { Logger, OptionChecker } from '@gatecache/core';
import { DEFAULTS } from './defaults';
import type { RedisClient, RedisConnectionOptions } from './types';

export interface Connection {
  client: RedisClient;
  /** Whether `close()` should close the client. */
  owned: boolean;
}

export function isCluster(client: RedisClient): client is Cluster {
  return (client as { isCluster?: boolean }).isCluster === true;
}

/** Reconnect delay: exponential from 50 ms, capped, with jitter so a fleet does not reconnect in lockstep. */
export function backoff(maxMs: number, random: () => number): (times: number) => number {
  return (times) => Math.round(Math.min(maxMs, 50 * 2 ** Math.min(times - 1, 16)) * (0.8 + 0.4 * random()));
}

/** Validate connection options once, at creation; a bad option throws a TypeError naming it. */
export function checkConnectionOptions(who: string, options: RedisConnectionOptions): OptionChecker {
  const check: OptionChecker = optionChecker(who);
  check.object('options', options);
  const given = (['url', 'client', 'cluster', 'sentinel'] as const).filter((k) => options[k] !== undefined);
  if (given.length > 1)
    check.fail('options', `give only one of url, client, cluster, sentinel (got ${given.join(', ')})`);
  if (options.url !== undefined && !(typeof options.url === 'string' && /^rediss?:\/\//.test(options.url))) {
    check.fail('url', 'must start with redis:// or rediss://');
  }
  check.methods('client', options.client, ['sendCommand'], 'an ioredis Redis or Cluster instance');
  if (options.cluster !== undefined) {
    check.object('cluster', options.cluster);
    if (!(Array.isArray(options.cluster.nodes) && options.cluster.nodes.length > 0)) {
      check.fail('cluster.nodes', 'must list at least one node');
    }
  }
  if (options.sentinel !== undefined) {
    check.object('sentinel', options.sentinel);
    if (!(Array.isArray(options.sentinel.sentinels) && options.sentinel.sentinels.length > 0)) {
      check.fail('sentinel.sentinels', 'must list at least one sentinel');
    }
    check.string('sentinel.name', options.sentinel.name ?? '', '');
  }
  check.string('host', options.host);
  check.intInRange('port', options.port, 1, 65535);
  check.nonNegativeInt('db', options.db);
  check.boolean('closeClient', options.closeClient);
  check.boolean('enableAutoPipelining', options.enableAutoPipelining);
  check.positive('commandTimeoutMs', options.commandTimeoutMs);
  check.positive('connectTimeoutMs', options.connectTimeoutMs);
  check.positive('maxReconnectDelayMs', options.maxReconnectDelayMs);
  check.fn('random', options.random);
  check.methods('logger', options.logger, ['warn', 'info', 'debug'], 'a Logger');
  return check;
}

/** The per-connection options a cache wants: fail fast while Redis is away, recover on its own. */
function cacheDefaults(options: RedisConnectionOptions): RedisOptions {
  const d = DEFAULTS.connection;
  const {
    commandTimeoutMs = d.commandTimeoutMs,
    connectTimeoutMs = d.connectTimeoutMs,
    maxReconnectDelayMs = d.maxReconnectDelayMs,
    random = Math.random,
  } = options;
  const out: RedisOptions = {
    // Queued commands would wait for a Redis that may not come back; a cache would rather miss now.
    enableOfflineQueue: false,
    commandTimeout: commandTimeoutMs,
    connectTimeout: connectTimeoutMs,
    maxRetriesPerRequest: 1,
    // ioredis keeps a (referenced) timer this long after a disconnect; 2 s by default holds a process open.
    disconnectTimeout: 200,
    enableAutoPipelining: options.enableAutoPipelining ?? d.enableAutoPipelining,
    retryStrategy: backoff(maxReconnectDelayMs, random),
    // A demoted primary answers READONLY until the client reconnects to the new one (Sentinel failover).
    reconnectOnError: (err) => err.message.startsWith('READONLY'),
  };
  if (options.db !== undefined) out.db = options.db;
  if (options.password !== undefined) out.password = options.password;
  if (options.username !== undefined) out.username = options.username;
  if (options.tls) out.tls = options.tls === true ? {} : options.tls;
  return out;
}

/** Create (or adopt) the client the options describe. */
export function connect(options: RedisConnectionOptions): Connection {
  if (options.client) return { client: options.client, owned: options.closeClient ?? false };
  const owned = options.closeClient ?? true;
  const base = cacheDefaults(options);
  const extra = options.redisOptions ?? {};
  if (options.cluster) {
    const { retryStrategy, enableOfflineQueue: _q, enableAutoPipelining, db: _db, ...perNode } = base;
    const own: ClusterOptions = options.cluster.options ?? {};
    const client = new Cluster(options.cluster.nodes, {
      enableOfflineQueue: false,
      enableAutoPipelining,
      clusterRetryStrategy: retryStrategy ?? undefined,
      ...own,
      redisOptions: { ...perNode, ...extra, ...(own.redisOptions ?? {}) },
    });
    return { client, owned };
  }
  if (options.sentinel) {
    // Without the detector a client keeps writing to the demoted primary until Sentinel's next INFO round
    // (about 10 s) reconfigures it; with it, +switch-master makes the client reconnect at once.
    const client = new Redis({ failoverDetector: true, ...options.sentinel, ...base, ...extra });
    return { client, owned };
  }
  if (options.url) return { client: new Redis(options.url, { ...base, ...extra }), owned };
  const client = new Redis({
    host: options.host ?? DEFAULTS.connection.host,
    port: options.port ?? DEFAULTS.connection.port,
    ...base,
    ...extra,
  });
  return { client, owned };
}

/**
 * A second connection to the same Redis for SUBSCRIBE (a subscribed connection can run nothing else).
 * It queues while disconnected and never times out: it waits for messages, not for replies.
 */
export function subscriberOf(client: RedisClient): RedisClient {
  const override = { enableOfflineQueue: true, commandTimeout: undefined, maxRetriesPerRequest: null };
  if (isCluster(client)) {
    return client.duplicate(undefined, {
      enableOfflineQueue: true,
      redisOptions: { ...client.options.redisOptions, ...override },
    });
  }
  return client.duplicate(override);
}

/** Wait until the client is ready (or fail after `timeoutMs`). */
export function whenReady(client: RedisClient, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      reject(new Error(`redis not ready after ${timeoutMs} ms (status ${client.status})`));
    }, timeoutMs);
    const onReady = (): void => {
      clearTimeout(timer);
      resolve();
    };
    client.once('ready', onReady);
  });
}

export interface ConnectionWatch {
  /** Whether the connection is up, as last seen. */
  readonly up: boolean;
  /** The last connection error seen. */
  readonly lastError: string | undefined;
  /** Called on every transition to up after having been down (not on the first connect). */
  onRestore(fn: () => void): void;
  /** Stop logging and calling back (before our own close, which is no outage); listeners stay until detach. */
  silence(): void;
  detach(): void;
}

/**
 * Handle a client's connection events: an 'error' listener is always present (an unhandled 'error' event
 * would otherwise be printed per failed reconnect), and the log sees one line per state change, never one
 * per failed command or reconnect attempt.
 */
export function watchConnection(
  client: RedisClient,
  name: string,
  logger: Logger = silentLogger,
): ConnectionWatch {
  let state: 'connecting' | 'up' | 'down' = client.status === 'ready' ? 'up' : 'connecting';
  let lastError: string | undefined;
  let silenced = false;
  const restored: Array<() => void> = [];
  const down = (reason: string): void => {
    if (state === 'down' || silenced) return;
    const wasUp = state === 'up';
    state = 'down';
    logger.warn(wasUp ? 'gatecache: redis connection lost' : 'gatecache: redis unavailable', {
      name,
      reason,
    });
  };
  const onError = (err: Error): void => {
    lastError = err.message;
    down(err.message);
  };
  const onClose = (): void => {
    if (state === 'up') down('connection closed');
  };
  const onReady = (): void => {
    const was = state;
    state = 'up';
    if (was === 'down' && !silenced) {
      logger.info('gatecache: redis connection restored', { name });
      for (const fn of restored) fn();
    }
  };
  client.on('error', onError);
  client.on('close', onClose);
  client.on('ready', onReady);
  if (isCluster(client)) client.on('node error', onError);
  return {
    get up() {
      return state === 'up';
    },
    get lastError() {
      return lastError;
    },
    onRestore(fn) {
      restored.push(fn);
    },
    silence() {
      silenced = true;
    },
    detach() {
      client.off('error', onError);
      client.off('close', onClose);
      client.off('ready', onReady);
      if (isCluster(client)) client.off('node error', onError);
    },
  };
}

/** Close a connection we own: QUIT politely, then drop it if Redis does not answer; resolves once it ended. */
export async function closeClient(client: RedisClient): Promise<void> {
  if (client.status === 'end') return;
  const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
  if (client.status === 'ready') {
    try {
      await Promise.race([client.quit(), new Promise((_, reject) => setTimeout(reject, 500).unref())]);
    } catch {
      client.disconnect();
    }
  } else {
    client.disconnect();
  }
  await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
  // QUIT leaves the Sentinel failover detector's own connections open; disconnect() closes them too.
  client.disconnect();
}

export interface PubSubHandlers {
  /** The channel the subscriber connection listens on. */
  channel: string;
  /** A message on `channel`. */
  onMessage(message: string): void;
  /** The subscriber came back after being down: messages sent meanwhile were missed. */
  onResubscribe(): void;
}

/** A command connection plus a subscriber connection on one channel: the shape the bus and the lock share. */
export interface PubSubConnection {
  /** The command connection: the caller's `client`, or one made from the options. */
  readonly client: RedisClient;
  /** Open the subscriber connection and subscribe (once; later calls return the same promise). */
  subscribe(): Promise<void>;
  /** Resolves once both connections are up and the subscription is live; rejects after `timeoutMs`. */
  ready(timeoutMs: number): Promise<void>;
  /** Close the subscriber, and the command connection when it is ours; no outage is logged for either. */
  close(): Promise<void>;
}

/**
 * Connect (or adopt a client), watch the connection, and open a subscriber connection on demand, with one
 * set of rules for every user: a caller's client is not watched or closed by us, our own connections are.
 */
export function pubSubConnection(
  name: string,
  options: RedisConnectionOptions,
  handlers: PubSubHandlers,
  logger: Logger = silentLogger,
): PubSubConnection {
  const { client, owned } = connect(options);
  const watch = options.client ? undefined : watchConnection(client, name, logger);
  let subscriber: RedisClient | undefined;
  let subscriberWatch: ConnectionWatch | undefined;
  let subscribed: Promise<void> | undefined;

  function subscribe(): Promise<void> {
    if (subscribed) return subscribed;
    const sub = subscriberOf(client);
    subscriber = sub;
    subscriberWatch = watchConnection(sub, `${name}-subscriber`, logger);
    sub.on('message', (ch: string, message: string) => {
      if (ch === handlers.channel) handlers.onMessage(message);
    });
    subscriberWatch.onRestore(() => handlers.onResubscribe());
    subscribed = sub.subscribe(handlers.channel).then(() => undefined);
    // Whoever asked sees the failure; an eager subscribe nobody awaits yet must not be an unhandled rejection.
    subscribed.catch(() => undefined);
    return subscribed;
  }

  return {
    client,
    subscribe,
    async ready(timeoutMs) {
      const pending = subscribe();
      // Commands run on the command connection, which fails fast (no offline queue) until it is up: ready
      // means both connections are.
      await Promise.all([whenReady(client, timeoutMs), whenReady(subscriber as RedisClient, timeoutMs)]);
      await pending;
    },
    async close() {
      subscriberWatch?.silence();
      watch?.silence();
      if (subscriber) {
        await closeClient(subscriber);
        subscriberWatch?.detach();
      }
      if (owned) await closeClient(client);
      watch?.detach();
    },
  };
}
