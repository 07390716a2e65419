import { LRUCache } from 'lru-cache';
import { createCache, memoryStore, seededRandom } from '@gatecache/core';
import { tuningAdvisor } from '../src';
import { manualClock } from './helpers/stack';

/** Key k with probability ~ 1/(k+1): a small Zipf(1) trace. */
function zipfKey(random: () => number, n: number): number {
  return Math.min(n - 1, Math.floor(Math.exp(random() * Math.log(n + 1))) - 1);
}

describe('tuningAdvisor', () => {
  it('predicts within a few points the hit rate a real LRU gets at other sizes', () => {
    const advisor = tuningAdvisor({ clock: manualClock(), maxSamples: 512, ttls: [3600] });
    const random = seededRandom(7);
    const trace: string[] = [];
    for (let i = 0; i < 30_000; i++) trace.push(`response:k${zipfKey(random, 3000)}`);
    trace.forEach((key, i) => advisor.record(key, i * 100));
    for (const size of [64, 256, 1024]) {
      const lru = new LRUCache<string, true>({ max: size });
      let hits = 0;
      for (const key of trace) {
        if (lru.get(key)) hits++;
        else lru.set(key, true);
      }
      expect(Math.abs(advisor.predict('response', size, 3600)! - hits / trace.length)).toBeLessThan(0.04);
    }
    expect(advisor.predict('other', 10)).toBeUndefined();
    expect(() => advisor.predict('response', 10, 42)).toThrow(/ttl 42/);
    advisor.close();
  });

  it('recommends the shortest TTL the reuse times support, from a real cache, with sizes in MB', async () => {
    const clock = manualClock();
    const cache = createCache({
      clock,
      tiers: [memoryStore({ clock, maxSizeMb: 1 })],
      namespaces: { config: { ttl: 3600 } },
    });
    const advisor = tuningAdvisor({ cache, refreshInterval: 60 });
    // 40 keys, each read every 200 s for 4000 s. Entries expire a fixed time after they are stored, so a 300 s TTL
    // keeps one reuse in two, a 60 s one none, and only 7200 s and more keep all but the first read.
    for (let round = 0; round < 20; round++) {
      for (let k = 0; k < 40; k++) {
        const key = `config:k${k}`;
        if (!(await cache.get(key))) await cache.set(key, { body: 'x'.repeat(500) });
        clock.advance(5000);
      }
    }
    const advice = await advisor.advice();
    const ns = advice.namespaces.config!;
    expect(ns.recommended.ttl).toBe(7200);
    expect(ns.ttlCurve.find((p) => p.ttl === 60)!.hitRate).toBe(0);
    expect(ns.ttlCurve.find((p) => p.ttl === 300)!.hitRate).toBeCloseTo(0.5, 5);
    expect(ns.maxHitRate).toBeCloseTo(19 / 20, 5);
    // The knee: every key must fit, and no smaller size is within two points of the best.
    expect(ns.recommended.entries).toBeGreaterThanOrEqual(40);
    expect(ns.recommended.entries).toBeLessThanOrEqual(45);
    expect(ns.avgEntryBytes).toBeGreaterThan(500);
    expect(ns.recommended.mb).toBeCloseTo((ns.recommended.entries * ns.avgEntryBytes!) / 2 ** 20, 6);
    expect(ns.current).toMatchObject({ ttl: 3600, maxMb: 1, measuredHitRate: 18 / 20 });
    expect(ns.current.predictedHitRate).toBeCloseTo(18 / 20, 5);
    expect(ns.curve.at(-1)!.entries).toBeLessThanOrEqual(128);

    // The answer is reused for refreshInterval (`prediction_interval`), then computed again.
    await cache.get('config:new');
    expect(await advisor.advice()).toBe(advice);
    clock.advance(61_000);
    expect((await advisor.advice()).namespaces.config!.references).toBe(801);
    advisor.close();
    await cache.get('config:new');
    clock.advance(61_000);
    expect((await advisor.advice()).namespaces.config!.references).toBe(801);
    await cache.close();
  });

  it('records nothing when analytics are off', async () => {
    const advisor = tuningAdvisor({ enabled: false, clock: manualClock() });
    advisor.record('config:a');
    expect(await advisor.advice()).toMatchObject({ enabled: false, namespaces: {} });
  });

  it('rejects bad options with their name', () => {
    expect(() => tuningAdvisor({ maxSamples: 0 })).toThrow(/maxSamples/);
    expect(() => tuningAdvisor({ tolerance: 2 })).toThrow(/tolerance/);
    expect(() => tuningAdvisor({ ttls: [] })).toThrow(/ttls/);
    expect(() => tuningAdvisor({ refreshInterval: -1 })).toThrow(/refreshInterval/);
  });
});
