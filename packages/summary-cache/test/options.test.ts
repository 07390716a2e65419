import { createCache } from '@gatecache/core';
import { createKeyer } from '@gatecache/cache-key';
import { DEFAULTS as RESPONSE_CACHE_DEFAULTS } from '@gatecache/response-cache';
import { DEFAULTS, resolveCondenserOptions } from '../src/options';

describe('resolveCondenserOptions', () => {
  const cache = createCache();
  const summarize = async (): Promise<string> => Promise.resolve('s');

  it('fills in the documented defaults', () => {
    const o = resolveCondenserOptions({ cache, summarize });
    expect(o).toMatchObject({
      blockMessages: 10,
      minRecentMessages: 4,
      summaryMaxTokens: 400,
      safetyMarginTokens: 256,
      defaultOutputTokens: 4096,
      maxBodyBytes: 1024 * 1024,
      countBudgetMs: 200,
      summaryConcurrency: 8,
    });
    expect(o.maxContextTokens('gpt-4o')).toBeUndefined();
    expect(o.counter.contextWindow('gpt-4o')).toBe(128_000);
  });

  it('takes its body limit from the response cache: one setting for both middlewares', () => {
    expect(DEFAULTS.maxBodyBytes).toBe(RESPONSE_CACHE_DEFAULTS.limits.bodyBytes);
    expect(() => resolveCondenserOptions({ cache, summarize, countBudgetMs: -1 })).toThrow(
      new TypeError('contextCondenser: countBudgetMs must be an integer >= 0 (got -1)'),
    );
    expect(() => resolveCondenserOptions({ cache, summarize, summaryConcurrency: 0 })).toThrow(TypeError);
  });

  it('accepts a per-model cap and a ready keyer', () => {
    const keyer = createKeyer({ scope: 'global' });
    const o = resolveCondenserOptions({
      cache,
      summarize,
      key: keyer,
      maxContextTokens: (m) => (m === 'a' ? 10 : undefined),
    });
    expect(o.keyer).toBe(keyer);
    expect(o.maxContextTokens('a')).toBe(10);
  });

  it('names the bad option', () => {
    expect(() => resolveCondenserOptions({ cache, summarize, minRecentMessages: 0 })).toThrow(
      /minRecentMessages/,
    );
    expect(() => resolveCondenserOptions({ cache, summarize, summaryModel: '' })).toThrow(/summaryModel/);
    expect(() => resolveCondenserOptions({ cache, summarize, tokenCounter: {} as never })).toThrow(
      /tokenCounter/,
    );
    expect(() => resolveCondenserOptions({ cache, summarize, defaultContextWindow: 0 })).toThrow(
      /defaultContextWindow/,
    );
  });
});
