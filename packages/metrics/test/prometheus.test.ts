import { spawnSync } from 'node:child_process';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import request from 'supertest';
import { METRIC_NAMES } from '../src';
import { script, stack } from './helpers';
import type { Stack } from './helpers';

const sources = {
  responseCache: {
    stats: () => ({
      requests: 12,
      hits: 4,
      stale: 0,
      collapsed: 2,
      saved: { inputTokens: 100, outputTokens: 50, costUsd: 0.25 },
      byTenant: { 'acme "inc"': { inputTokens: 100, outputTokens: 50, costUsd: 0.25 } },
    }),
  },
  warming: { stats: () => ({ requests: 3, successes: 2, failures: 1, lastDurationMs: 2500 }) },
  summary: {
    stats: () => ({
      requests: 7,
      condensed: 2,
      tokensRemoved: 1234,
      summaries: { hits: 3, misses: 2, summarizerCalls: 2, callsAvoided: 3 },
    }),
  },
};

const valueOf = (text: string, family: string, labels: Record<string, string> = {}): number | undefined => {
  const f = parsePrometheusTextFormat(text).find((x) => x.name === family);
  const m = f?.metrics.find((x) => Object.entries(labels).every(([k, v]) => x.labels?.[k] === v));
  return m?.value === undefined ? undefined : Number(m.value);
};

describe('GET /metrics/prometheus', () => {
  let s: Stack;
  afterEach(async () => s.close());

  it('reports exactly the scripted hits and misses in the text exposition format', async () => {
    s = stack({ sources });
    await script(s.cache, 5, 4);
    const res = await request(s.app).get('/metrics/prometheus').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = res.text;
    expect(valueOf(text, 'cache_hits_total', { namespace: 'response' })).toBe(5);
    expect(valueOf(text, 'cache_misses_total', { namespace: 'response' })).toBe(4);
    expect(valueOf(text, 'cache_requests_total', { namespace: 'response' })).toBe(9);
    expect(valueOf(text, 'cache_sets_total', { namespace: 'response' })).toBe(1);
    expect(valueOf(text, 'cache_hit_rate')).toBeCloseTo(5 / 9, 10);
    expect(valueOf(text, 'cache_entries')).toBe(1);
    expect(valueOf(text, 'cache_max_memory_mb')).toBe(8);
    expect(valueOf(text, 'cache_tier_errors_total', { tier: 'memory' })).toBe(0);
    expect(valueOf(text, 'cache_evictions_total', { tier: 'memory' })).toBe(0);
    expect(valueOf(text, 'warming_requests_total')).toBe(3);
    expect(valueOf(text, 'warming_success_total')).toBe(2);
    expect(valueOf(text, 'warming_duration_seconds')).toBe(2.5);
    expect(valueOf(text, 'summary_condensed_total')).toBe(2);
    expect(valueOf(text, 'summary_tokens_removed_total')).toBe(1234);
    expect(valueOf(text, 'summary_cache_hits_total')).toBe(3);
    expect(valueOf(text, 'summary_calls_avoided_total')).toBe(3);
    expect(valueOf(text, 'cache_coalesced_requests_total')).toBe(2);
    expect(valueOf(text, 'cache_served_without_upstream_ratio')).toBe(0.5);
    expect(
      valueOf(text, 'cache_tokens_saved_by_tenant_total', { tenant: 'acme "inc"', direction: 'input' }),
    ).toBe(100);
    const hist = parsePrometheusTextFormat(text).find((f) => f.name === 'cache_lookup_duration_seconds');
    expect(hist?.type).toBe('HISTOGRAM');
    // The parser drops histogram labels, so read the per-outcome counts from the lines themselves.
    expect(text).toContain('cache_lookup_duration_seconds_count{namespace="response",outcome="hit"} 5\n');
    expect(text).toContain('cache_lookup_duration_seconds_count{namespace="response",outcome="miss"} 4\n');
    expect(text).toContain(
      'cache_lookup_duration_seconds_bucket{namespace="response",outcome="hit",le="+Inf"} 5\n',
    );
  });

  it('writes HELP and TYPE for every family and ends counters in _total', async () => {
    s = stack({ sources });
    await script(s.cache, 1, 1);
    const { text } = await request(s.app).get('/metrics/prometheus').expect(200);
    for (const f of parsePrometheusTextFormat(text)) {
      expect(f.help.length).toBeGreaterThan(0);
      if (f.type === 'COUNTER') expect(f.name).toMatch(/_total$/);
    }
  });

  it('passes promtool check metrics', async () => {
    s = stack({ sources });
    await script(s.cache, 3, 2);
    const { text } = await request(s.app).get('/metrics/prometheus').expect(200);
    // promtool fails on format errors and lints names; the guide's two `_mb` gauges are kept on purpose.
    const run = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(run.error).toBeUndefined();
    const problems = `${run.stdout}${run.stderr}`
      .split('\n')
      .filter((line) => line.trim() !== '')
      .filter(
        (line) =>
          !/^(\w+_)?cache_(max_)?memory(_usage)?_mb metric names should not contain abbreviated units$/.test(
            line,
          ),
      );
    expect(problems).toEqual([]);
  });

  it('renders only families METRIC_NAMES lists, each name once', async () => {
    const rc = sources.responseCache.stats();
    s = stack({ sources: { ...sources, responseCache: { stats: () => ({ ...rc, lock: { skipped: 1 } }) } } });
    await script(s.cache, 1, 1);
    const { text } = await request(s.app).get('/metrics/prometheus').expect(200);
    const names = parsePrometheusTextFormat(text).map((f) => f.name);
    expect(names).toContain('cache_lock_skipped_total');
    expect(names.filter((n) => !METRIC_NAMES.includes(n))).toEqual([]);
    expect(new Set(METRIC_NAMES).size).toBe(METRIC_NAMES.length);
  });

  it('prepends the prefix to every metric name', async () => {
    s = stack({ prefix: 'gw_' });
    await script(s.cache, 1, 0);
    const { text } = await request(s.app).get('/metrics/prometheus').expect(200);
    const names = parsePrometheusTextFormat(text).map((f) => f.name);
    expect(names).toContain('gw_cache_hits_total');
    expect(names.every((n) => n.startsWith('gw_'))).toBe(true);
  });
});
