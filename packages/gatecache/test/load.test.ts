import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, parseConfig } from '../src';
import { DEFAULT_COMPRESSION } from '@gatecache/core';

const parse = (text: string, env: NodeJS.ProcessEnv = {}) => parseConfig(text, { env });

function problemsOf(text: string, env: NodeJS.ProcessEnv = {}): Array<{ path: string; message: string }> {
  try {
    parse(text, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected the configuration to be refused');
}

describe('loadConfig', () => {
  it('gives the guide defaults for an empty file', () => {
    const c = parse('');
    expect(c.namespaces.response).toMatchObject({
      maxSizeMb: 100,
      ttl: 1800,
      compression: { algorithm: DEFAULT_COMPRESSION.algorithm, level: DEFAULT_COMPRESSION.level },
    });
    expect(c.namespaces.summary).toMatchObject({ maxSizeMb: 50, ttl: 3600 });
    expect(c.namespaces.models).toMatchObject({ maxSizeMb: 25, ttl: 300 });
    expect(c.namespaces.config).toMatchObject({ maxSizeMb: 10, ttl: 600, compression: false });
    expect(c.warming).toMatchObject({
      interval: 300,
      pattern_analysis: true,
      prediction_model: 'linear_regression',
    });
    expect(c.memoryMb).toBe(185);
    expect(c.disk.enabled).toBe(true);
    expect(c.redis.enabled).toBe(false);
    expect(c.source.key).toMatch(/^config:[0-9a-f]{64}$/);
  });

  it('lets global values default every namespace and namespace values override them', () => {
    const c = parse(
      'caching:\n  default_ttl: 120\n  enable_compression: false\n  response_cache:\n    ttl: 30\n    compression: br\n    compression_level: 11\n',
    );
    expect(c.namespaces.response).toMatchObject({ ttl: 30, compression: { algorithm: 'br', level: 11 } });
    expect(c.namespaces.summary).toMatchObject({ ttl: 120, compression: false });
    expect(c.namespaces.models.ttl).toBe(120);
  });

  it('has one request body limit, caching.max_body_kb, and says where the old key moved', () => {
    expect(parse('caching:\n  max_body_kb: 64\n').caching.max_body_kb).toBe(64);
    expect(problemsOf('caching:\n  response_cache:\n    max_body_kb: 64\n')).toEqual([
      {
        path: 'caching.response_cache.max_body_kb',
        message: 'moved to caching.max_body_kb (it bounds the context condenser too)',
      },
    ]);
  });

  it('takes prompt-cache prices next to input and output, and refuses unknown price keys', () => {
    const c = parse(
      'analytics:\n  pricing:\n    claude-sonnet:\n      input: 3\n      output: 15\n      cachedInput: 0.3\n      cacheWrite: 3.75\n    gpt-4o: { input: 2.5, output: 10 }\n',
    );
    expect(c.analytics.pricing).toEqual({
      'claude-sonnet': { input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75 },
      'gpt-4o': { input: 2.5, output: 10 },
    });
    expect(
      problemsOf('analytics:\n  pricing:\n    m: { input: 1, output: 1, cached: 1 }\n')[0]?.path,
    ).toMatch(/^analytics\.pricing\.m/);
    expect(
      problemsOf('analytics:\n  pricing:\n    m: { input: 1, output: 1, cacheWrite: -1 }\n')[0]?.path,
    ).toBe('analytics.pricing.m.cacheWrite');
  });

  it('substitutes ${ENV} and ${ENV:-default} before validation', () => {
    const c = parse(
      'caching:\n  response_cache:\n    ttl: ${TTL}\n    max_size_mb: ${SIZE:-64}\nredis:\n  enabled: ${REDIS_ON:-false}\ndisk:\n  path: /tmp/$${HOME}/x\n',
      { TTL: '45' },
    );
    expect(c.namespaces.response.ttl).toBe(45);
    expect(c.namespaces.response.maxSizeMb).toBe(64);
    expect(c.redis.enabled).toBe(false);
    expect(c.disk.path).toBe('/tmp/${HOME}/x');
  });

  it('refuses an unset variable without a default, at its path', () => {
    expect(problemsOf('redis:\n  password: ${NOPE}\n')).toEqual([
      { path: 'redis.password', message: expect.stringContaining('NOPE is not set') },
    ]);
  });

  it.each([
    ['caching:\n  response_cache:\n    tll: 10\n', 'caching.response_cache.tll', 'did you mean "ttl"?'],
    ['cachng:\n  enabled: true\n', 'cachng', 'did you mean "caching"?'],
    ['caching:\n  response_cache:\n    ttl: soon\n', 'caching.response_cache.ttl', 'duration'],
    ['caching:\n  response_cache:\n    ttl: -5\n', 'caching.response_cache.ttl', 'at least 0'],
    ['caching:\n  model_cache:\n    compression: lz4\n', 'caching.model_cache.compression', 'gzip'],
    [
      'caching:\n  response_cache:\n    compression: gzip\n    compression_level: 12\n',
      'caching.response_cache.compression_level',
      'from 1 to 9',
    ],
    [
      'caching:\n  max_memory_mb: 50\n',
      'caching.response_cache.max_size_mb',
      'more than caching.max_memory_mb',
    ],
    ['caching:\n  enabled: maybe\n', 'caching.enabled', 'true or false'],
    ['warming:\n  interval: 0\n', 'warming.interval', 'at least 1'],
    [
      'caching:\n  warming:\n    max_concurent_warms: 3\n',
      'caching.warming.max_concurent_warms',
      'did you mean "max_concurrent_warms"?',
    ],
    ['invalidation:\n  lru_enabled: maybe\n', 'invalidation.lru_enabled', 'true or false'],
    [
      'caching:\n  summary_cache:\n    max_context_token: 10\n',
      'caching.summary_cache.max_context_token',
      'did you mean "max_context_tokens"?',
    ],
    [
      'invalidation:\n  schedules:\n    - pattern: "summary:*"\n      at: "3am"\n',
      'invalidation.schedules[0].at',
      'HH:MM-HH:MM',
    ],
    ['monitoring:\n  hit_rate_threshold: 1.5\n', 'monitoring.hit_rate_threshold', 'at most 1'],
    [
      'monitoring:\n  opentelemetry:\n    otlp_endpoint: not a url\n',
      'monitoring.opentelemetry.otlp_endpoint',
      'URL',
    ],
    ['alerts:\n  - condition: hit_rate < 0.5\n', 'alerts[0].name', ''],
    [
      'alerts:\n  - name: x\n    condition: hit_rate < 0.5\n    severity: loud\n',
      'alerts[0].severity',
      'critical',
    ],
    [
      'alerting:\n  cache:\n    low:\n      conditon: hit_rate < 1\n',
      'alerting.cache.low.conditon',
      'did you mean "condition"?',
    ],
    ['redis:\n  enabled: true\n  port: 99999\n', 'redis.port', 'at most 65535'],
    ['redis:\n  enabled: true\n  url: http://x\n', 'redis.url', 'redis://'],
    ['disk:\n  max_size_mb: 0\n', 'disk.max_size_mb', 'at least'],
    ['security:\n  tenant_scope: everyone\n', 'security.tenant_scope', 'credential, global'],
    ['profile: prod\n', 'profile', 'development, staging, production'],
    ['caching: [1, 2]\n', 'caching', 'mapping'],
  ])('refuses %j at its path', (text, path, hint) => {
    const problems = problemsOf(text);
    const found = problems.find((p) => p.path === path);
    expect(found).toBeDefined();
    expect(found!.message).toContain(hint);
  });

  it('names the path in the thrown message', () => {
    expect(() => parse('caching:\n  response_cache:\n    tll: 10\n')).toThrow(
      /caching\.response_cache\.tll: unknown key; did you mean "ttl"\?/,
    );
  });

  it('reports a YAML syntax error with its line', () => {
    expect(problemsOf('caching:\n  enabled: true\n  enabled: false\n')[0]!.path).toBe('line 3');
  });

  it('accepts warming at top level or under caching, and both spellings of pattern analysis', () => {
    const top = parse('warming:\n  interval: 60\n  pattern_analysis: false\n');
    const nested = parse('caching:\n  warming:\n    interval: 60\n    enable_pattern_analysis: false\n');
    expect(top.warming).toEqual(nested.warming);
    expect(top.warming).toMatchObject({ interval: 60, pattern_analysis: false });
    expect(nested.warmingPath).toBe('caching.warming');
  });

  it('refuses warming in both places, and the two spellings disagreeing', () => {
    expect(problemsOf('warming: {}\ncaching:\n  warming: {}\n')[0]!.path).toBe('caching.warming');
    expect(
      problemsOf('warming:\n  pattern_analysis: true\n  enable_pattern_analysis: false\n')[0]!.path,
    ).toBe('warming.enable_pattern_analysis');
  });

  it('accepts both alert forms', () => {
    const c = parse(
      'alerting:\n  cache:\n    low_hit_rate:\n      condition: hit_rate < 0.6\n      severity: warning\n' +
        'alerts:\n  - name: busy\n    condition: evictions_per_minute > 10\n    for: 5m\n    severity: critical\n    message: busy\n    action: scale_resources\n',
    );
    expect(c.alerting.cache?.low_hit_rate?.condition).toBe('hit_rate < 0.6');
    expect(c.alerts[0]).toMatchObject({ name: 'busy', action: 'scale_resources', for: '5m' });
  });

  it('applies a profile under the file, from the file or GATECACHE_PROFILE', () => {
    const dev = parse('profile: development\n');
    expect(dev.namespaces.response.ttl).toBe(60);
    expect(dev.disk.enabled).toBe(false);
    expect(dev.warming.enabled).toBe(false);
    const own = parse('profile: development\ncaching:\n  response_cache:\n    ttl: 900\n');
    expect(own.namespaces.response.ttl).toBe(900);
    expect(own.namespaces.summary.ttl).toBe(60);
    const prod = parse('', { GATECACHE_PROFILE: 'production' });
    expect(prod.profile).toBe('production');
    expect(prod.caching.enable_validation).toBe(true);
    expect(prod.monitoring.hit_rate_threshold).toBe(0.8);
    expect(prod.security.require_admin_token).toBe(true);
    expect(prod.warnings[0]).toContain('redis.enabled is false');
    expect(problemsOf('', { GATECACHE_PROFILE: 'qa' })[0]!.path).toBe('GATECACHE_PROFILE');
  });

  it('keeps disk off with Redis unless disk.enabled says so', () => {
    const redis = 'redis:\n  enabled: true\n  host: 127.0.0.1\n';
    expect(parse(redis).disk.enabled).toBe(false);
    expect(parse(`${redis}disk:\n  enabled: true\n`).disk.enabled).toBe(true);
  });

  it('reads a file, and names it in errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatecache-config-'));
    try {
      const file = join(dir, 'config.yaml');
      writeFileSync(file, 'caching:\n  default_ttl: 77\n');
      expect((await loadConfig(file)).namespaces.response.ttl).toBe(77);
      writeFileSync(file, 'caching:\n  default_tll: 77\n');
      await expect(loadConfig(file)).rejects.toThrow(file);
      await expect(loadConfig(join(dir, 'missing.yaml'))).rejects.toThrow(/cannot read/);
      expect((await loadConfig({ text: 'caching:\n  default_ttl: 5\n' })).namespaces.models.ttl).toBe(5);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
