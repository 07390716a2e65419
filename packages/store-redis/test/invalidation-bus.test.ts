import { createCache, memoryStore } from '@gatecache/core';
import type { Cache, Store } from '@gatecache/core';
import { Redis } from 'ioredis';
import { invalidationBus, redisStore } from '../src';
import type { InvalidationBus } from '../src';
import { describeRedis, startRedis, unconnectedClient } from './helpers/redis-server';
import type { RedisProcess } from './helpers/redis-server';

interface Instance {
  cache: Cache;
  memory: Store;
  bus: InvalidationBus;
}

/** Poll until `check` holds, failing after `ms`: the bus promises other instances see a purge within 100 ms. */
async function within(ms: number, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

describeRedis('invalidationBus', () => {
  let server: RedisProcess;
  let raw: Redis;
  let a: Instance;
  let b: Instance;

  const instance = async (id: string): Promise<Instance> => {
    const memory = memoryStore();
    const store = redisStore({ port: server.port });
    const cache = createCache({ tiers: [memory, store] });
    const bus = invalidationBus({ client: store.client, instanceId: id });
    bus.attach(cache);
    await Promise.all([store.ready(), bus.ready()]);
    return { cache, memory, bus };
  };

  beforeAll(async () => {
    server = await startRedis();
    raw = new Redis(server.port, '127.0.0.1');
  });
  beforeEach(async () => {
    a = await instance('a');
    b = await instance('b');
  });
  afterEach(async () => {
    for (const i of [a, b]) {
      await i.bus.close();
      await i.cache.close();
    }
    await raw.flushdb();
  });
  afterAll(async () => {
    raw.disconnect();
    await server.stop();
  });

  /** Put the entry in Redis through `a`, and in `b`'s memory tier by reading it there (promotion). */
  const warm = async (key: string): Promise<void> => {
    await a.cache.set(key, { body: key });
    expect((await b.cache.get(key))?.tier).toBe('redis');
    await new Promise((r) => setImmediate(r));
    expect(b.memory.get(key)).toBeDefined();
  };

  it('removes a deleted key from the other instance memory tier within 100 ms', async () => {
    await warm('response:openai:x');
    await a.cache.delete('response:openai:x');
    await within(100, () => b.memory.get('response:openai:x') === undefined);
    expect(b.bus.stats.applied).toBe(1);
    expect(a.bus.stats.applied).toBe(0);
  });

  it('applies a pattern purge to the other instance, leaving other keys', async () => {
    await warm('response:openai:1');
    await warm('response:openai:2');
    await warm('summary:keep');
    await a.cache.deleteMatching('response:openai:*');
    await within(
      100,
      () =>
        b.memory.get('response:openai:1') === undefined && b.memory.get('response:openai:2') === undefined,
    );
    expect(b.memory.get('summary:keep')).toBeDefined();
  });

  it('clears the other instance memory tier on clear()', async () => {
    await warm('response:1');
    await warm('summary:2');
    await a.cache.clear();
    await within(100, async () => (await b.memory.stats()).entries === 0);
  });

  it('clears its local tiers when its subscriber reconnects after a disconnect', async () => {
    await warm('response:kept-while-away');
    await raw.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    await within(5000, () => b.memory.get('response:kept-while-away') === undefined);
    expect(b.bus.stats.resyncs).toBe(1);
    // The kill took both instances' subscribers: let `a` be back too, so nothing is reconnecting from here on.
    await within(5000, () => a.bus.stats.resyncs === 1);
    // The subscription is back: purges reach it again.
    await warm('response:after');
    await a.cache.delete('response:after');
    await within(100, () => b.memory.get('response:after') === undefined);
  });

  it('is ready only once its publishing connection is up, not only its subscription', async () => {
    // A publishing connection that has not connected yet: a purge published on it would be lost.
    const client = unconnectedClient(server.port);
    const bus = invalidationBus({ client, instanceId: 'late', closeClient: true });
    try {
      await expect(bus.ready(300)).rejects.toThrow(/not ready after 300 ms/);
      await client.connect();
      await bus.ready();
      expect(await bus.publish({ type: 'key', value: 'response:x' })).toBe(true);
    } finally {
      await bus.close();
    }
  });

  it('ignores messages that are not purge messages', async () => {
    await warm('response:safe');
    await raw.publish(b.bus.channel, 'not json');
    await raw.publish(b.bus.channel, JSON.stringify({ origin: 'x', type: 'key' }));
    await within(100, () => b.bus.stats.ignored === 2);
    expect(b.memory.get('response:safe')).toBeDefined();
  });
});
