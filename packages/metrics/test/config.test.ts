import { alertsFromConfig, compileRules } from '../src';
import request from 'supertest';
import { stack } from './helpers';

describe('alertsFromConfig', () => {
  it('maps the monitoring block onto the low hit rate rule, the interval and detailed stats', () => {
    const o = alertsFromConfig({
      monitoring: {
        alert_on_low_hit_rate: true,
        hit_rate_threshold: 0.8,
        metrics_interval: 30,
        enable_detailed_stats: false,
      },
    });
    expect(o.alerts.low_hit_rate).toMatchObject({
      condition: 'hit_rate < 0.8',
      for: '5m',
      severity: 'warning',
    });
    expect(o).toMatchObject({ intervalSeconds: 30, detailedStats: false, defaultAlerts: false });
    expect(Object.keys(o.alerts).sort()).toEqual([
      'high_eviction_rate',
      'high_memory_usage',
      'low_hit_rate',
      'unusual_access',
    ]);
  });

  it('drops the low hit rate rule when alert_on_low_hit_rate is false and reads percentages', () => {
    expect(
      alertsFromConfig({ monitoring: { alert_on_low_hit_rate: false } }).alerts.low_hit_rate,
    ).toBeUndefined();
    expect(alertsFromConfig({ monitoring: { hit_rate_threshold: 65 } }).alerts.low_hit_rate!.condition).toBe(
      'hit_rate < 0.65',
    );
    expect(alertsFromConfig({ monitoring: { metrics_interval: '2m' } }).intervalSeconds).toBe(120);
  });

  it('merges alerting.cache and the alerts list over the defaults by name', () => {
    const o = alertsFromConfig({
      monitoring: { hit_rate_threshold: 0.9 },
      alerting: {
        cache: { high_memory_usage: { condition: 'memory_usage_percent > 80', severity: 'critical' } },
      },
      alerts: [
        { name: 'low_hit_rate', condition: 'hit_rate < 0.6', action: 'notify_team' },
        { name: 'scale_up', condition: 'memory_usage_percent > 95', action: 'scale_resources' },
      ],
    });
    expect(o.alerts.low_hit_rate).toMatchObject({ condition: 'hit_rate < 0.6', action: 'notify_team' });
    expect(o.alerts.high_memory_usage!.condition).toBe('memory_usage_percent > 80');
    const rules = compileRules(o.alerts, o.defaultAlerts);
    expect(rules.map((r) => r.name)).toContain('scale_up');
  });

  it('rejects bad values with their config path', () => {
    expect(() => alertsFromConfig({ monitoring: { hit_rate_threshold: -1 } })).toThrow(
      /monitoring\.hit_rate_threshold/,
    );
    expect(() => alertsFromConfig({ monitoring: { metrics_interval: 'often' } })).toThrow(
      /monitoring\.metrics_interval/,
    );
  });

  it('feeds cacheMetrics: detailed stats off leaves the tier and namespace breakdowns out', async () => {
    const s = stack(alertsFromConfig({ monitoring: { enable_detailed_stats: false, metrics_interval: 0 } }));
    try {
      const res = await request(s.app).get('/api/cache/stats').expect(200);
      expect(res.body.tiers).toBeUndefined();
      expect(res.body.cache_hits).toBe(0);
    } finally {
      await s.close();
    }
  });
});
