import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import request from 'supertest';
import { METRIC_NAMES } from '../src';
import { script, stack } from './helpers';

const DASHBOARD = path.join(__dirname, '../../../examples/grafana/dashboard.json');

interface Panel {
  title: string;
  type: string;
  targets: { expr: string }[];
  fieldConfig?: { defaults?: { thresholds?: { steps: { color: string; value: number | null }[] } } };
}

// Aggregations may put their `by (...)` before the parenthesis: `sum by (tier) (rate(x[5m]))`.
const AGGREGATIONS = ['sum', 'avg', 'min', 'max', 'count', 'group', 'stddev', 'stdvar', 'topk', 'bottomk'];
const KEYWORDS = new Set([
  ...AGGREGATIONS,
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
]);

/** Metric names a PromQL expression reads: identifiers that are not functions, keywords or label names. */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '$1');
  const names = [...bare.matchAll(/\b[a-zA-Z_:][a-zA-Z0-9_:]*\b(?!\s*\()/g)]
    .map((m) => m[0])
    .filter((n) => !KEYWORDS.has(n) && !/^\d/.test(n));
  return [...new Set(names)];
}

describe('examples/grafana/dashboard.json', () => {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Panel[] };
  const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));

  it('extracts metric names from PromQL and not functions or labels', () => {
    expect(metricNames('sum by (tier) (rate(cache_evictions_total{job="x",tier=~"a|b"}[5m]))')).toEqual([
      'cache_evictions_total',
    ]);
    expect(metricNames('100 * sum(a_mb) / sum(b_mb)')).toEqual(['a_mb', 'b_mb']);
  });

  it('queries only metrics the Prometheus renderer exports', async () => {
    const queried = [...new Set(exprs.flatMap(metricNames))];
    expect(queried.length).toBeGreaterThanOrEqual(8);
    expect(queried.filter((n) => !METRIC_NAMES.includes(n))).toEqual([]);

    // And they are really rendered, with a warming and a response-cache source wired.
    const s = stack({
      sources: {
        warming: { stats: () => ({ requests: 2, successes: 2, lastDurationMs: 800 }) },
        responseCache: { stats: () => ({ requests: 4, hits: 2, stale: 0, collapsed: 1 }) },
      },
    });
    try {
      await script(s.cache, 1, 1);
      const { text } = await request(s.app).get('/metrics/prometheus').expect(200);
      const rendered = new Set([...text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]));
      expect(queried.filter((n) => !rendered.has(n))).toEqual([]);
    } finally {
      await s.close();
    }
  });

  it("has the guide's four panels with the KPI thresholds, then the requests served without an upstream call", () => {
    const titles = dashboard.panels.map((p) => p.title);
    expect(titles).toEqual([
      'Cache hit rate',
      'Cache memory usage',
      'Cache operations rate',
      'Cache warming',
      'Requests served without an upstream call',
    ]);
    expect(dashboard.panels[4]!.targets[0]!.expr).toBe(
      'cache_served_without_upstream_ratio{job="gatecache"}',
    );
    const steps = (i: number) =>
      dashboard.panels[i]!.fieldConfig!.defaults!.thresholds!.steps.map((x) => [x.color, x.value]);
    expect(steps(0)).toEqual([
      ['red', null],
      ['yellow', 0.6],
      ['green', 0.8],
    ]);
    expect(steps(1)).toEqual([
      ['green', null],
      ['yellow', 70],
      ['red', 85],
    ]);
    expect(exprs.join(' ')).toContain('warming_duration_seconds');
  });
});
