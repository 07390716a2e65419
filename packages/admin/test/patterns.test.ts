import { createCache, memoryStore } from '@gatecache/core';
import { trackPatterns } from '../src/patterns';

// 2023-11-14T22:13:20Z: hour 22 UTC.
const NOW = 1_700_000_000_000;
const KEY = 'response:openai:chat:gpt-4o:t1:h1';

describe('trackPatterns', () => {
  it('counts hits and misses by key, namespace, provider, model and UTC hour', async () => {
    const cache = createCache({ tiers: [memoryStore()] });
    const tracker = trackPatterns(cache, () => NOW);
    await cache.set(KEY, { body: 'x' });
    await cache.get(KEY);
    await cache.get(KEY);
    await cache.get('response:anthropic:messages:claude:t1:h2');
    await cache.get('summary:i:1:gpt-4o');
    const s = tracker.snapshot(10);
    expect(s.top_keys[0]).toEqual({ key: KEY, hits: 2, misses: 0 });
    expect(s.by_namespace).toEqual({ response: { hits: 2, misses: 1 }, summary: { hits: 0, misses: 1 } });
    expect(s.by_provider).toEqual({ openai: { hits: 2, misses: 0 }, anthropic: { hits: 0, misses: 1 } });
    expect(s.by_model['gpt-4o']).toEqual({ hits: 2, misses: 1 });
    expect(s.hourly[22]).toEqual({ hits: 2, misses: 2 });
    expect(s.hourly.filter((h) => h.hits + h.misses > 0)).toHaveLength(1);
    expect(tracker.hitsOf(KEY)).toBe(2);
    tracker.stop();
  });

  it('ignores reads the caller does not count (record: false) and bare lookup timings', async () => {
    const cache = createCache({ tiers: [memoryStore()] });
    const tracker = trackPatterns(cache, () => NOW);
    await cache.set(KEY, { body: 'x' });
    const timings: string[] = [];
    cache.on('lookup', (e) => timings.push(e.outcome));
    await cache.get(KEY, { record: false });
    await cache.get('config:none', { record: false });
    expect(timings).toEqual(['hit', 'miss']); // the cache did emit lookups; the tracker must not count them
    expect(tracker.snapshot(10).tracked_keys).toBe(0);
    expect(tracker.hitsOf(KEY)).toBeUndefined();
    // A caller that records the outcome itself is counted once.
    cache.recordLookup(KEY, 'hit', 'memory');
    expect(tracker.hitsOf(KEY)).toBe(1);
    tracker.stop();
  });

  it('keeps at most maxKeys keys, dropping the least looked-up', async () => {
    const cache = createCache({ tiers: [memoryStore()] });
    const tracker = trackPatterns(cache, () => NOW, 10);
    for (let i = 0; i < 3; i++) cache.recordLookup('config:busy', 'hit', 'memory');
    for (let i = 0; i < 30; i++) cache.recordLookup(`config:k${i}`, 'miss');
    const s = tracker.snapshot(5);
    expect(s.tracked_keys).toBeLessThanOrEqual(10);
    expect(s.max_tracked_keys).toBe(10);
    expect(s.top_keys[0]).toEqual({ key: 'config:busy', hits: 3, misses: 0 });
    // Aggregates are not bounded by key tracking: every lookup is still counted.
    expect(s.by_namespace.config).toEqual({ hits: 3, misses: 30 });
    tracker.stop();
  });

  it('stops counting after stop()', async () => {
    const cache = createCache({ tiers: [memoryStore()] });
    const tracker = trackPatterns(cache, () => NOW);
    tracker.stop();
    await cache.get('config:a');
    expect(tracker.snapshot(5).by_namespace).toEqual({});
  });
});

describe('trackPatterns with client-chosen models', () => {
  it('should give a model its own row only once an answer of it is stored, and cap the rows', async () => {
    const cache = createCache({ tiers: [memoryStore()] });
    const tracker = trackPatterns(cache, () => NOW, 100, { models: 2 });
    // Misses of models nobody ever stored (the provider answered 404): no row of their own.
    for (let i = 0; i < 50; i++) await cache.get(`response:openai:embeddings:unknown-${i}:t1:h`);
    expect(Object.keys(tracker.snapshot(5).by_model)).toEqual(['other']);
    for (const m of ['a', 'b', 'c']) {
      await cache.set(`response:openai:embeddings:${m}:t1:h`, { body: 'x' });
      await cache.get(`response:openai:embeddings:${m}:t1:h`);
    }
    const s = tracker.snapshot(5);
    expect(Object.keys(s.by_model).sort()).toEqual(['a', 'b', 'other']);
    expect(s.by_model.other).toEqual({ hits: 1, misses: 50 });
    expect(s.folded.models).toBe(51);
    tracker.stop();
  });

  it('should keep prototype member names as rows of their own', async () => {
    const cache = createCache({ tiers: [memoryStore()] });
    const tracker = trackPatterns(cache, () => NOW);
    for (const m of ['__proto__', 'constructor', 'toString']) {
      await cache.set(`response:openai:embeddings:${m}:t1:h`, { body: 'x' });
      await cache.get(`response:openai:embeddings:${m}:t1:h`);
    }
    const rows = tracker.snapshot(5).by_model;
    expect(Object.getOwnPropertyDescriptor(rows, '__proto__')?.value).toEqual({ hits: 1, misses: 0 });
    expect(Object.keys(rows).sort()).toEqual(['__proto__', 'constructor', 'toString']);
    expect(({} as Record<string, unknown>).hits).toBeUndefined();
    tracker.stop();
  });
});
