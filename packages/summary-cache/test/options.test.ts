import { createCache } from '@gatecache/core';
import { createKeyer } from '@gatecache/cache-key';
import { DEFAULT_MAX_BODY_BYTES as SHARED_MAX_BODY_BYTES } from '@gatecache/providers';
import { DEFAULTS as ALL_DEFAULTS, cachedSummarizer, createTokenCounter, gatewaySummarizer } from '../src';
import { resolveCondenserOptions } from '../src/options';

const DEFAULTS = ALL_DEFAULTS.contextCondenser;

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
    expect(DEFAULTS.maxBodyBytes).toBe(SHARED_MAX_BODY_BYTES);
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

  it.each([
    [{ blockMessages: 0 }, /^contextCondenser: blockMessages must be a positive integer \(got 0\)$/],
    [{ safetyMarginTokens: -1 }, /^contextCondenser: safetyMarginTokens must be an integer >= 0/],
    [{ maxBodyBytes: 1.5 }, /^contextCondenser: maxBodyBytes must be a positive integer/],
    [{ summaryModel: 5 }, /^contextCondenser: summaryModel must be a non-empty string/],
    [{ defaultContextWindow: 0 }, /^contextCondenser: defaultContextWindow must be a positive integer/],
    [{ contextWindows: { x: -2 } }, /^contextCondenser: contextWindows\.x must be a positive integer/],
    [{ logger: { warn: 1 } }, /^contextCondenser: logger must be a Logger/],
    [{ clock: {} }, /^contextCondenser: clock must be a Clock/],
  ])('rejects %p with a TypeError naming the option', (bad, message) => {
    const run = (): unknown => resolveCondenserOptions({ cache, summarize, ...(bad as object) });
    expect(run).toThrow(TypeError);
    expect(run).toThrow(message);
  });
});

describe('the other factories check their options the same way', () => {
  const cache = createCache();
  const summarize = async (): Promise<string> => Promise.resolve('s');

  it.each([
    [
      () => cachedSummarizer({ cache, summarize, ttl: 0 }),
      /^cachedSummarizer: ttl must be a positive number/,
    ],
    [
      () => cachedSummarizer({ cache, summarize, tenant: '' }),
      /^cachedSummarizer: tenant must be a non-empty/,
    ],
    [() => cachedSummarizer({ cache: {} as never, summarize }), /^cachedSummarizer: cache must be a Cache/],
    [
      () => cachedSummarizer({ cache, summarize: 'x' as never }),
      /^cachedSummarizer: summarize must be a function/,
    ],
    [
      () => gatewaySummarizer({ baseUrl: 'http://x', apiKey: 'k', provider: 'gemini' as never }),
      /^gatewaySummarizer: provider must be one of "openai", "anthropic"/,
    ],
    [
      () => gatewaySummarizer({ baseUrl: 'http://x', apiKey: 'k', timeoutMs: -1 }),
      /^gatewaySummarizer: timeoutMs must be a positive number/,
    ],
    [
      () => gatewaySummarizer({ baseUrl: 'x', apiKey: 'k' }),
      /^gatewaySummarizer: baseUrl must be an http\(s\) URL/,
    ],
    [() => createTokenCounter({ sliceMs: 0 }), /^createTokenCounter: sliceMs must be a positive number/],
    [
      () => createTokenCounter({ charsPerToken: -1 }),
      /^createTokenCounter: charsPerToken must be a positive/,
    ],
  ])('%#: a bad option throws a TypeError naming it', (run, message) => {
    expect(run).toThrow(TypeError);
    expect(run).toThrow(message);
  });

  it('holds every default in DEFAULTS', () => {
    expect(ALL_DEFAULTS.cachedSummarizer.tenant).toBe('global');
    expect(ALL_DEFAULTS.gatewaySummarizer.timeoutMs).toBe(60_000);
    expect(ALL_DEFAULTS.tokenCounter.countBudgetMs).toBe(DEFAULTS.countBudgetMs);
  });
});
