import { redisOptionsFromConfig } from '../src';

describe('redisOptionsFromConfig', () => {
  it('returns nothing when the block is absent or disabled', () => {
    expect(redisOptionsFromConfig(undefined)).toBeUndefined();
    expect(redisOptionsFromConfig({ enabled: false, host: 'r' })).toBeUndefined();
    expect(redisOptionsFromConfig({ enabled: 'false' })).toBeUndefined();
  });

  it('maps the guide block (host, port, db, password), accepting numbers from ${ENV} as strings', () => {
    expect(
      redisOptionsFromConfig({ enabled: true, host: 'localhost', port: '6380', db: 2, password: 's3cret' }),
    ).toEqual({
      host: 'localhost',
      port: 6380,
      db: 2,
      password: 's3cret',
    });
  });

  it('treats an empty password as none', () => {
    expect(redisOptionsFromConfig({ enabled: true, host: 'h', password: '' })).toEqual({ host: 'h' });
  });

  it('maps url, tls, key_prefix and command_timeout_ms', () => {
    expect(
      redisOptionsFromConfig({
        url: 'rediss://u:p@cache:6380/1',
        tls: { servername: 'cache', reject_unauthorized: 'false' },
        key_prefix: 'gw:',
        command_timeout_ms: '150',
      }),
    ).toEqual({
      url: 'rediss://u:p@cache:6380/1',
      tls: { servername: 'cache', rejectUnauthorized: false },
      keyPrefix: 'gw:',
      commandTimeoutMs: 150,
    });
    expect(redisOptionsFromConfig({ host: 'h', tls: true })).toEqual({ host: 'h', tls: true });
  });

  it('maps cluster nodes given as strings or objects, in either spelling', () => {
    const nodes = [
      { host: '10.0.0.1', port: 7000 },
      { host: '10.0.0.2', port: 7001 },
    ];
    expect(redisOptionsFromConfig({ cluster: ['10.0.0.1:7000', '10.0.0.2:7001'] })).toEqual({
      cluster: { nodes },
    });
    expect(redisOptionsFromConfig({ cluster: { nodes: [nodes[0], '10.0.0.2:7001'] } })).toEqual({
      cluster: { nodes },
    });
  });

  it('maps sentinel with name or master_name', () => {
    expect(
      redisOptionsFromConfig({
        sentinel: { sentinels: ['s1:26379', 's2:26379'], master_name: 'mymaster', sentinel_password: 'x' },
      }),
    ).toEqual({
      sentinel: {
        sentinels: [
          { host: 's1', port: 26379 },
          { host: 's2', port: 26379 },
        ],
        name: 'mymaster',
        sentinelPassword: 'x',
      },
    });
  });

  it('names the YAML path of a bad value or an unknown key', () => {
    expect(() => redisOptionsFromConfig({ port: 'abc' })).toThrow('redis.port');
    expect(() => redisOptionsFromConfig({ cluster: ['nohost'] })).toThrow('redis.cluster[0]');
    expect(() => redisOptionsFromConfig({ sentinel: { sentinels: ['s:1'] } })).toThrow('redis.sentinel.name');
    expect(() => redisOptionsFromConfig({ url: 'redis://a', cluster: ['a:1'] })).toThrow('only one of');
    expect(() => redisOptionsFromConfig({ hots: 'x' } as never)).toThrow('redis.hots');
    expect(() => redisOptionsFromConfig({ tls: { cafile: 'x' } })).toThrow('redis.tls.cafile');
  });
});
