import type { Logger } from '@gatecache/core';
import { Redis } from 'ioredis';
import { accessTracker } from '../src';
import type { AccessTracker } from '../src';
import { describeRedis, redisCli, startRedis } from '../../store-redis/test/helpers/redis-server';
import type { RedisProcess } from '../../store-redis/test/helpers/redis-server';
import { manualClock, until } from './helpers/stack';

function recordingLogger(): Logger & { lines: Array<[string, string]> } {
  const lines: Array<[string, string]> = [];
  const log =
    (level: string) =>
    (message: string): void => {
      lines.push([level, message]);
    };
  return { lines, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

describeRedis('shared counts: batching, outage and recovery', () => {
  let server: RedisProcess | undefined;
  let client: Redis | undefined;
  let tracker: AccessTracker | undefined;

  afterEach(async () => {
    tracker?.close();
    client?.disconnect();
    await server?.stop();
    tracker = undefined;
    client = undefined;
    server = undefined;
  });

  async function setUp(shared: { maxPending?: number; maxKeys?: number } = {}, topK = 8) {
    server = await startRedis();
    client = new Redis({ port: server.port, host: server.host });
    // The application owns the connection and its error events; an outage must not crash the test process.
    client.on('error', () => undefined);
    const logger = recordingLogger();
    tracker = accessTracker({
      clock: manualClock(),
      topK,
      logger,
      shared: { client, keyPrefix: 'sc:', flushIntervalMs: 60_000, timeoutMs: 300, ...shared },
    });
    return { tracker, logger, server };
  }

  it('keeps tracking locally while Redis is down, logs the outage and the recovery once each', async () => {
    const { tracker: t, logger, server: s } = await setUp();
    for (let i = 0; i < 3; i++) t.record('config:k', 'hit');
    await t.sync!();
    expect(t.stats().shared?.state).toBe('up');

    await s.stop();
    for (let i = 0; i < 4; i++) t.record('config:k', 'miss');
    t.record('config:other', 'hit');
    await t.sync!();
    await t.sync!();
    expect(t.stats().shared).toMatchObject({ state: 'down' });
    expect(t.stats().shared!.failures).toBeGreaterThanOrEqual(1);
    expect(t.pattern('config:k')).toMatchObject({ hits: 3, misses: 4, recent: 7 });
    expect(t.popular().map((p) => p.key)).toEqual(['config:k', 'config:other']);
    expect(logger.lines.filter(([level]) => level === 'warn')).toHaveLength(1);

    server = await startRedis({ port: s.port });
    t.record('config:k', 'hit');
    await until(async () => {
      await t.sync!();
      return t.stats().shared?.state === 'up';
    }, 15_000);
    await t.sync!();
    expect(logger.lines.map(([level]) => level)).toEqual(['warn', 'info']);
    expect(Number(await redisCli(s.port, 'ZSCORE', keyOf(t), 'config:k'))).toBeGreaterThanOrEqual(1);
    expect(t.pattern('config:k')?.recent).toBe(8);
  });

  it('batches at most maxPending distinct keys between flushes, then only locally popular ones', async () => {
    const { tracker: t, server: s } = await setUp({ maxPending: 5, maxKeys: 100 }, 2);
    await t.sync!();
    for (let i = 0; i < 30; i++) t.record(`config:cold${i}`, 'miss');
    // The first of these is dropped (the batch is full and the key not yet in the top-K); the second gets in.
    t.record('config:hot', 'hit');
    t.record('config:hot', 'hit');
    expect(t.stats().shared).toMatchObject({ pendingKeys: 6, dropped: 26 });
    await t.sync!();
    expect(t.stats().shared).toMatchObject({ pendingKeys: 0, state: 'up' });
    expect(Number(await redisCli(s.port, 'ZCARD', keyOf(t)))).toBe(6);
    expect(await redisCli(s.port, 'ZSCORE', keyOf(t), 'config:hot')).toBe('1\n');
  });

  it('stops its timer and answers sync at once after close', async () => {
    const { tracker: t } = await setUp();
    t.close();
    t.record('config:k', 'hit');
    await t.sync!();
    expect(t.stats().shared).toMatchObject({ flushes: 0, pendingKeys: 1 });
  });
});

/** The current bucket's key (manual clock, default pattern window of 3600 s). */
function keyOf(t: AccessTracker): string {
  return `sc:{popularity}:3600:${Math.floor(t.clock.now() / 3_600_000)}`;
}
