import { EventEmitter } from 'node:events';
import * as path from 'node:path';
import { readFileSync } from 'node:fs';
import express from 'express';
import request from 'supertest';
import { createCache, memoryStore } from '@gatecache/core';
import { responseCache } from '@gatecache/response-cache';
import type { SavedEvent } from '@gatecache/response-cache';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import type { DataPoint } from '@opentelemetry/sdk-metrics';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { cacheMetrics, instrumentCache } from '../src';
import { trackSavings } from '../src/savings';

const FIXTURES = path.resolve(__dirname, '../../../fixtures/openai');
const chatRequest = JSON.parse(readFileSync(`${FIXTURES}/chat-completion.request.json`, 'utf8')) as object;
const chatAnswer = readFileSync(`${FIXTURES}/chat-completion.response.json`, 'utf8');
// The fixture's usage: 24 prompt and 8 completion tokens; prices in USD per million tokens.
const pricing = { 'gpt-4o-mini': { input: 0.15, output: 0.6 } };

/** A gateway: the real response cache in front of a tiny upstream that answers the fixture. */
function gateway() {
  const cache = createCache({ tiers: [memoryStore({ maxSizeMb: 4 })] });
  const mw = responseCache({ cache, accounting: { pricing } });
  const metrics = cacheMetrics({ cache, sources: { responseCache: mw }, intervalSeconds: 0, auth: false });
  let upstreamCalls = 0;
  const app = express();
  app.use(metrics);
  app.use(mw);
  app.post('/v1/chat/completions', (_req, res) => {
    upstreamCalls++;
    res.status(200).type('application/json').send(chatAnswer);
  });
  const saved: SavedEvent[] = [];
  mw.events.on('saved', (e: SavedEvent) => saved.push(e));
  return { cache, mw, metrics, app, saved, upstream: () => upstreamCalls };
}

const ask = (app: express.Express, tenant: string) =>
  request(app)
    .post('/v1/chat/completions')
    .set('Authorization', `Bearer sk-${tenant}`)
    .send(chatRequest)
    .expect(200);

describe('tokens and cost saved', () => {
  it('exports the response cache savings by model and tenant in Prometheus, JSON and OpenTelemetry', async () => {
    const g = gateway();
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({
      exporter,
      exportIntervalMillis: 3_600_000,
    });
    const provider = new MeterProvider({ readers: [reader] });
    const inst = instrumentCache(g.cache, { meter: provider.getMeter('t'), responseCache: g.mw });
    try {
      // Tenant a: one miss then two hits; tenant b: one miss then one hit.
      for (const tenant of ['a', 'a', 'a', 'b', 'b']) await ask(g.app, tenant);
      expect(g.upstream()).toBe(2);
      expect(g.saved).toHaveLength(3);
      const tenants = [...new Set(g.saved.map((e) => e.tenant))];
      expect(tenants).toHaveLength(2);
      const perHit = (24 * 0.15 + 8 * 0.6) / 1e6;

      const stats = (await request(g.app).get('/api/cache/stats').expect(200)).body;
      expect(stats.tokens_saved).toBe(3 * 32);
      expect(stats.cost_saved_usd).toBeCloseTo(3 * perHit, 12);
      expect(stats.saved_by.tenant[g.saved[0]!.tenant]).toMatchObject({ hits: 2, tokens: 64 });
      expect(Object.keys(stats.saved_by.model)).toEqual([g.saved[0]!.model]);
      expect(stats.saved_by.namespace.response).toMatchObject({
        hits: 3,
        input_tokens: 72,
        output_tokens: 24,
      });

      const text = (await request(g.app).get('/metrics/prometheus').expect(200)).text;
      const fam = new Map(parsePrometheusTextFormat(text).map((f) => [f.name, f]));
      type Row = { labels: Record<string, string>; value: string };
      const tokens = fam.get('cache_tokens_saved_total')!.metrics as Row[];
      const tenantA = g.saved[0]!.tenant;
      const a = tokens.filter((r) => r.labels.tenant === tenantA);
      expect(a.map((r) => [r.labels.direction, r.labels.model, Number(r.value)]).sort()).toEqual([
        ['input', g.saved[0]!.model, 48],
        ['output', g.saved[0]!.model, 16],
      ]);
      const cost = fam.get('cache_cost_saved_usd_total')!.metrics as Row[];
      expect(cost.reduce((n, r) => n + Number(r.value), 0)).toBeCloseTo(3 * perHit, 12);

      await reader.forceFlush();
      const exported = exporter.getMetrics();
      const all = exported.at(-1)!.scopeMetrics.flatMap((s) => s.metrics);
      const otelTokens = all.find((m) => m.descriptor.name === 'gatecache.tokens_saved')!
        .dataPoints as DataPoint<number>[];
      expect(otelTokens.reduce((n, p) => n + p.value, 0)).toBe(96);
      expect(otelTokens.every((p) => p.attributes['gen_ai.request.model'] === g.saved[0]!.model)).toBe(true);
    } finally {
      inst.close();
      await provider.shutdown();
      g.metrics.close();
      await g.cache.close();
    }
  });
});

describe('trackSavings with many (model, tenant) pairs', () => {
  it('should fold pairs past the limit into (other, other) and count them', () => {
    const events = new EventEmitter();
    const tracker = trackSavings({ events }, 3);
    for (let i = 0; i < 10; i++) {
      events.emit('saved', { model: `m${i}`, tenant: `t${i}`, inputTokens: 1, outputTokens: 2, costUsd: 0 });
    }
    expect(tracker.rows().map((r) => `${r.model}/${r.tenant}/${r.hits}`)).toEqual([
      'm0/t0/1',
      'm1/t1/1',
      'm2/t2/1',
      'other/other/7',
    ]);
    expect(tracker.folded()).toBe(7);
    tracker.close();
  });
});
