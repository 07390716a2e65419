import { Cluster, Redis } from 'ioredis';
import { accessTracker, redisPopularityStore } from '../src';
import type { AccessTracker } from '../src';
import {
  describeRedis,
  redisCli,
  startCluster,
  startRedis,
} from '../../store-redis/test/helpers/redis-server';
import type { RedisClusterProcess, RedisProcess } from '../../store-redis/test/helpers/redis-server';
import { manualClock } from './helpers/stack';

const WINDOW = 3600;
// The manual clock starts on an hour boundary: bucket = hours since the epoch.
const BUCKET = Math.floor(Date.UTC(2025, 0, 1, 12) / (WINDOW * 1000));

describeRedis('shared popularity on one redis-server', () => {
  let server: RedisProcess;
  const clients: Redis[] = [];
  const trackers: AccessTracker[] = [];
  let run = 0;
  let prefix = '';

  beforeAll(async () => {
    server = await startRedis();
  });
  beforeEach(() => {
    prefix = `pop${++run}:`;
  });
  afterEach(() => {
    for (const t of trackers.splice(0)) t.close();
    for (const c of clients.splice(0)) c.disconnect();
  });
  afterAll(async () => {
    await server.stop();
  });

  function instance(
    clock = manualClock(),
    extra: { maxKeys?: number; maxPending?: number; topK?: number } = {},
  ): AccessTracker {
    const client = new Redis({ port: server.port, host: server.host, lazyConnect: false });
    clients.push(client);
    const tracker = accessTracker({
      clock,
      patternWindow: WINDOW,
      ...(extra.topK ? { topK: extra.topK } : {}),
      shared: {
        client,
        keyPrefix: prefix,
        flushIntervalMs: 60_000,
        ...(extra.maxKeys ? { maxKeys: extra.maxKeys } : {}),
        ...(extra.maxPending ? { maxPending: extra.maxPending } : {}),
      },
    });
    trackers.push(tracker);
    return tracker;
  }

  it("lets each instance see the other's popular keys and adds up a key both see", async () => {
    const clock = manualClock();
    const a = instance(clock);
    const b = instance(clock);
    for (let i = 0; i < 10; i++) a.record('config:only-a', 'hit');
    for (let i = 0; i < 8; i++) b.record('models:openai:only-b', 'hit');
    for (let i = 0; i < 3; i++) a.record('config:both', 'hit');
    for (let i = 0; i < 3; i++) b.record('config:both', 'miss');
    await a.sync!();
    await b.sync!();
    await a.sync!();

    expect(a.pattern('models:openai:only-b')).toMatchObject({
      key: 'models:openai:only-b',
      namespace: 'models',
      provider: 'openai',
      recent: 8,
      shared: 8,
      hits: 0,
    });
    expect(b.pattern('config:only-a')).toMatchObject({ recent: 10, shared: 10 });
    // Neither instance alone reaches 5 requests; together they make 6.
    expect(a.pattern('config:both')).toMatchObject({ recent: 6, hits: 3, misses: 0 });
    expect(b.pattern('config:both')).toMatchObject({ recent: 6, hits: 0, misses: 3 });
    expect(a.popular().map((p) => [p.key, p.recent])).toEqual([
      ['config:only-a', 10],
      ['models:openai:only-b', 8],
      ['config:both', 6],
    ]);
    expect(a.stats().shared).toMatchObject({ state: 'up', failures: 0, pendingKeys: 0, keys: 3 });
    // The local sketch stays this instance's own.
    expect(a.estimate('models:openai:only-b')).toBe(0);
  });

  it('counts the previous bucket for the part still inside the window', async () => {
    const clock = manualClock();
    const a = instance(clock);
    for (let i = 0; i < 8; i++) a.record('config:k', 'hit');
    await a.sync!();
    clock.advance(WINDOW * 1000 * 1.25);
    a.record('config:k', 'hit');
    await a.sync!();
    // 1 in the current bucket + 8 x 0.75 of the previous one.
    expect(a.pattern('config:k')?.shared).toBeCloseTo(7);
    clock.advance(WINDOW * 1000);
    await a.sync!();
    expect(a.pattern('config:k')?.shared).toBeCloseTo(0.75);
  });

  it('keeps each bucket trimmed to maxKeys members, the most requested, with a two-window expiry', async () => {
    const a = instance(manualClock(), { maxKeys: 10, maxPending: 1000, topK: 4 });
    for (let i = 0; i < 5; i++) a.record('config:hot', 'hit');
    for (let i = 0; i < 200; i++) a.record(`response:openai:chat:m:t:cold${i}`, 'miss');
    await a.sync!();
    const key = `${prefix}{popularity}:${WINDOW}:${BUCKET}`;
    expect(Number(await redisCli(server.port, 'ZCARD', key))).toBe(10);
    expect(await redisCli(server.port, 'ZSCORE', key, 'config:hot')).toBe('5\n');
    const ttl = Number(await redisCli(server.port, 'TTL', key));
    expect(ttl).toBeGreaterThan(WINDOW);
    expect(ttl).toBeLessThanOrEqual(2 * WINDOW);
    // Later flushes add members and trim again.
    for (let i = 0; i < 50; i++) a.record(`config:more${i}`, 'miss');
    await a.sync!();
    expect(Number(await redisCli(server.port, 'ZCARD', key))).toBe(10);
    // Only the top-K come back.
    expect(a.stats().shared?.keys).toBe(4);
    expect(a.popular(1)[0]).toMatchObject({ key: 'config:hot', recent: 5 });
  });

  it('reads back through the store interface in one round trip', async () => {
    const client = new Redis({ port: server.port, host: server.host });
    clients.push(client);
    const store = redisPopularityStore({ client, keyPrefix: prefix, bucketSeconds: 60, maxKeys: 3 });
    const read = await store.exchange(
      new Map([
        [7, new Map([['x', 2]])],
        [
          8,
          new Map([
            ['x', 1],
            ['y', 4],
          ]),
        ],
      ]),
      [8, 7],
      10,
    );
    expect([...read.get(8)!]).toEqual([
      ['y', 4],
      ['x', 1],
    ]);
    expect([...read.get(7)!]).toEqual([['x', 2]]);
  });

  it('rejects a shared option without a client or store, or with both', () => {
    expect(() => accessTracker({ shared: {} })).toThrow(/shared\.client/);
    const client = new Redis({ port: server.port, host: server.host, lazyConnect: true });
    clients.push(client);
    expect(() => accessTracker({ shared: { client, flushIntervalMs: 0 } })).toThrow(/flushIntervalMs/);
  });
});

describeRedis('shared popularity on a Redis Cluster', () => {
  let cluster: RedisClusterProcess;
  const clients: Cluster[] = [];
  const trackers: AccessTracker[] = [];

  beforeAll(async () => {
    cluster = await startCluster(3);
  });
  afterAll(async () => {
    for (const t of trackers) t.close();
    await Promise.all(clients.map((c) => c.quit()));
    await cluster.stop();
  });

  it('shares counts between two instances, each bucket in one slot', async () => {
    const clock = manualClock();
    const make = (): AccessTracker => {
      const client = new Cluster(cluster.nodes);
      clients.push(client);
      const t = accessTracker({ clock, shared: { client, flushIntervalMs: 60_000 } });
      trackers.push(t);
      return t;
    };
    const a = make();
    const b = make();
    for (let i = 0; i < 4; i++) a.record('config:c', 'hit');
    for (let i = 0; i < 3; i++) b.record('config:c', 'hit');
    await a.sync!();
    await b.sync!();
    await a.sync!();
    expect(a.stats().shared?.state).toBe('up');
    expect(a.pattern('config:c')?.recent).toBe(7);
    expect(b.pattern('config:c')?.recent).toBe(7);
  });
});
