import { createCache } from '@gatecache/core';
import { accessTracker } from '../src';
import { manualClock } from './helpers/stack';

describe('accessTracker', () => {
  it('finds the hot keys among many distinct ones in fixed memory', () => {
    const clock = manualClock();
    const tracker = accessTracker({ clock, topK: 20, sketchWidth: 1024 });
    for (let i = 0; i < 20_000; i++) {
      tracker.record(`response:openai:chat.completions:gpt-4o:t${i % 7}:cold${i}`, 'miss');
      if (i % 100 === 0) for (let h = 0; h < 5; h++) tracker.record(`config:hot${h}`, 'hit');
    }
    const top = tracker.popular(5).map((p) => p.key);
    expect(top.sort()).toEqual(['config:hot0', 'config:hot1', 'config:hot2', 'config:hot3', 'config:hot4']);
    const stats = tracker.stats();
    expect(stats.tracked).toBeLessThanOrEqual(20);
    expect(stats.sketchBytes).toBe(1024 * 4 * 8);
    expect(stats.lookups).toBe(21_000);
  });

  it('parses provider, model and tenant from response keys', () => {
    const tracker = accessTracker({ clock: manualClock() });
    tracker.record('response:openai:chat.completions:ft%3Agpt-4o%3Aacme:abc123:ph', 'miss');
    expect(tracker.pattern('response:openai:chat.completions:ft%3Agpt-4o%3Aacme:abc123:ph')).toMatchObject({
      namespace: 'response',
      provider: 'openai',
      endpoint: 'chat.completions',
      model: 'ft:gpt-4o:acme',
      tenant: 'abc123',
      misses: 1,
    });
  });

  it('keeps a request-rate series over the pattern window and an hourly profile', () => {
    const clock = manualClock(Date.UTC(2025, 0, 1, 9));
    const tracker = accessTracker({ clock, patternWindow: 600, buckets: 6 });
    for (let minute = 0; minute < 6; minute++) {
      for (let i = 0; i <= minute; i++) tracker.record('models:openai:x', 'hit');
      clock.advance(100_000);
    }
    clock.advance(-100_000);
    expect(tracker.series('models:openai:x')).toEqual([1, 2, 3, 4, 5, 6]);
    expect(tracker.pattern('models:openai:x')?.recent).toBe(21);
    clock.advance(300_000);
    expect(tracker.series('models:openai:x')).toEqual([4, 5, 6, 0, 0, 0]);
    expect(tracker.stats().hourly[9]).toBe(21);
  });

  it("lets old popularity fade so today's demand outranks yesterday's", () => {
    const clock = manualClock();
    const tracker = accessTracker({ clock, window: 60, topK: 1 });
    for (let i = 0; i < 50; i++) tracker.record('config:old', 'hit');
    clock.advance(600_000);
    for (let i = 0; i < 5; i++) tracker.record('config:new', 'hit');
    expect(tracker.popular(1)[0]?.key).toBe('config:new');
  });

  it("records the cache's counted lookups and stops when closed", async () => {
    const clock = manualClock();
    const cache = createCache({ clock });
    const tracker = accessTracker({ cache });
    await cache.get('models:openai:a');
    await cache.set('models:openai:a', { body: 'x' });
    await cache.get('models:openai:a');
    await cache.get('models:openai:a', { record: false });
    expect(tracker.pattern('models:openai:a')).toMatchObject({ hits: 1, misses: 1 });
    tracker.close();
    await cache.get('models:openai:a');
    expect(tracker.stats().lookups).toBe(2);
    await cache.close();
  });

  it('rejects bad options with their name', () => {
    expect(() => accessTracker({ topK: 0 })).toThrow(/topK/);
    expect(() => accessTracker({ patternWindow: -1 })).toThrow(/patternWindow/);
  });
});
