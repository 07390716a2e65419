import { createCache } from '@gatecache/core';
import { summaryKey } from '@gatecache/cache-key';
import { cachedSummarizer } from '../src';
import type { SummarizedEvent } from '../src';

function counting(delayMs = 0) {
  const calls: string[] = [];
  const summarize = async (input: string, o: { maxTokens: number; model: string }): Promise<string> => {
    calls.push(input);
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    return `summary of ${input} in ${o.maxTokens} for ${o.model}`;
  };
  return { calls, summarize };
}

describe('cachedSummarizer', () => {
  it('stores a summary under the summary key and answers the next call from the cache', async () => {
    const cache = createCache();
    const { calls, summarize } = counting();
    const cached = cachedSummarizer({ cache, summarize });
    const first = await cached('hello', { maxTokens: 100, model: 'gpt-4o-mini' });
    const second = await cached('hello', { maxTokens: 100, model: 'gpt-4o-mini' });
    expect(second).toBe(first);
    expect(calls).toEqual(['hello']);
    const key = summaryKey({ input: 'hello', maxTokens: 100, model: 'gpt-4o-mini' });
    expect(cached.keyOf('hello', { maxTokens: 100, model: 'gpt-4o-mini' })).toBe(key);
    expect((await cache.get(key))?.body.toString()).toBe(first);
    expect(cached.stats()).toEqual({
      hits: 1,
      misses: 1,
      summarizerCalls: 1,
      coalesced: 0,
      callsAvoided: 1,
      errors: 0,
    });
  });

  it('keys by max tokens, model and tenant', async () => {
    const { calls, summarize } = counting();
    const cached = cachedSummarizer({ cache: createCache(), summarize, tenant: 'aaaa' });
    await cached('x', { maxTokens: 100, model: 'm' });
    await cached('x', { maxTokens: 200, model: 'm' });
    await cached('x', { maxTokens: 100, model: 'n' });
    await cached('x', { maxTokens: 100, model: 'm', tenant: 'bbbb' });
    await cached('x', { maxTokens: 100, model: 'm' });
    expect(calls).toHaveLength(4);
    expect(cached.keyOf('x', { maxTokens: 1, model: 'm' })).not.toBe(
      cached.keyOf('x', { maxTokens: 1, model: 'm', tenant: 'bbbb' }),
    );
  });

  it('shares one summarizer call between concurrent identical calls', async () => {
    const { calls, summarize } = counting(30);
    const cached = cachedSummarizer({ cache: createCache(), summarize });
    const events: SummarizedEvent[] = [];
    cached.events.on('summarized', (e: SummarizedEvent) => events.push(e));
    const results = await Promise.all(
      Array.from({ length: 5 }, () => cached('same', { maxTokens: 10, model: 'm' })),
    );
    expect(new Set(results).size).toBe(1);
    expect(calls).toHaveLength(1);
    expect(cached.stats()).toMatchObject({ summarizerCalls: 1, coalesced: 4, callsAvoided: 4 });
    expect(events.map((e) => e.source).sort()).toEqual([
      'coalesced',
      'coalesced',
      'coalesced',
      'coalesced',
      'summarizer',
    ]);
  });

  it('never caches an error: the next call tries again', async () => {
    const cache = createCache();
    let fail = true;
    const cached = cachedSummarizer({
      cache,
      summarize: async () => {
        await Promise.resolve();
        if (fail) throw new Error('boom');
        return 'fine';
      },
    });
    await expect(cached('in', { maxTokens: 10, model: 'm' })).rejects.toThrow('boom');
    expect(await cache.has(cached.keyOf('in', { maxTokens: 10, model: 'm' }))).toBe(false);
    fail = false;
    await expect(cached('in', { maxTokens: 10, model: 'm' })).resolves.toBe('fine');
    expect(cached.stats()).toMatchObject({ errors: 1, summarizerCalls: 2, hits: 0 });
  });

  it('mixes the summarizer id into the key, so a new prompt never reuses old summaries', () => {
    const cache = createCache();
    const a = cachedSummarizer({
      cache,
      summarize: Object.assign(async () => Promise.resolve('a'), { id: 'p1' }),
    });
    const b = cachedSummarizer({
      cache,
      summarize: Object.assign(async () => Promise.resolve('b'), { id: 'p2' }),
    });
    expect(a.keyOf('x', { maxTokens: 1, model: 'm' })).not.toBe(b.keyOf('x', { maxTokens: 1, model: 'm' }));
    expect(a.keyOf('x', { maxTokens: 1, model: 'm' })).toMatch(/^summary:[0-9a-f]{64}:1:m$/);
  });

  it('rejects bad options by name', () => {
    const cache = createCache();
    const summarize = async (): Promise<string> => Promise.resolve('');
    expect(() => cachedSummarizer({ cache: undefined as never, summarize })).toThrow(/cache/);
    expect(() => cachedSummarizer({ cache, summarize: 'x' as never })).toThrow(/summarize/);
    expect(() => cachedSummarizer({ cache, summarize, tenant: '' })).toThrow(/tenant/);
    expect(() => cachedSummarizer({ cache, summarize, ttl: -1 })).toThrow(/ttl/);
  });
});
