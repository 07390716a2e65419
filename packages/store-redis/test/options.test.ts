import { DEFAULTS, invalidationBus, redisLock, redisStore } from '../src';

// Every check runs before a connection is made, so these need no Redis.
describe('options', () => {
  it.each([
    [() => redisStore({ url: 'http://x' }), /^redisStore: url must start with redis:\/\//],
    [
      () => redisStore({ port: 70000 }),
      /^redisStore: port must be an integer between 1 and 65535 \(got 70000\)/,
    ],
    [() => redisStore({ db: -1 }), /^redisStore: db must be an integer >= 0/],
    [() => redisStore({ commandTimeoutMs: 0 }), /^redisStore: commandTimeoutMs must be a positive number/],
    [
      () => redisStore({ enableAutoPipelining: 'yes' as never }),
      /^redisStore: enableAutoPipelining must be a boolean/,
    ],
    [() => redisStore({ scanCount: 1.5 }), /^redisStore: scanCount must be a positive integer/],
    [() => redisStore({ statsMaxAgeMs: -1 }), /^redisStore: statsMaxAgeMs must be a finite number >= 0/],
    [() => redisStore({ name: '' }), /^redisStore: name must be a non-empty string/],
    [() => redisStore({ client: {} as never }), /^redisStore: client must be an ioredis Redis or Cluster/],
    [() => redisStore({ cluster: { nodes: [] } }), /^redisStore: cluster\.nodes must list at least one node/],
    [
      () => redisStore({ sentinel: { sentinels: [{ host: 'h', port: 1 }], name: '' } }),
      /^redisStore: sentinel\.name must be a non-empty string/,
    ],
    [() => redisStore({ url: 'redis://a', cluster: { nodes: [{ host: 'a', port: 1 }] } }), /only one of url/],
    [() => invalidationBus({ channel: '' }), /^invalidationBus: channel must be a non-empty string/],
    [() => invalidationBus({ publishSets: 1 as never }), /^invalidationBus: publishSets must be a boolean/],
    [() => invalidationBus({ random: 'x' as never }), /^invalidationBus: random must be a function/],
    [() => redisLock({ pollIntervalMs: 0 }), /^redisLock: pollIntervalMs must be a positive number/],
    [() => redisLock({ tier: '' }), /^redisLock: tier must be a non-empty string/],
    [() => redisLock({ logger: {} as never }), /^redisLock: logger must be a Logger/],
  ])('%#: a bad option throws a TypeError naming it', (run, message) => {
    expect(run).toThrow(TypeError);
    expect(run).toThrow(message);
  });

  it('keeps the shared defaults in one place', () => {
    expect(DEFAULTS.redisStore.keyPrefix).toBe(DEFAULTS.redisLock.keyPrefix);
    expect(DEFAULTS.connection.commandTimeoutMs).toBe(100);
  });
});
