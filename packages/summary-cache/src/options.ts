import { silentLogger, systemClock } from '@gatecache/core';
import type { Clock, Logger } from '@gatecache/core';
import { createKeyer, isKeyer } from '@gatecache/cache-key';
import type { Keyer } from '@gatecache/cache-key';
import { DEFAULTS as RESPONSE_CACHE_DEFAULTS } from '@gatecache/response-cache';
import { cachedSummarizer } from './cached-summarizer';
import { TOKEN_COUNTER_DEFAULTS, createTokenCounter, preloadEncodings } from './tokens';
import type { CachedSummarizer, ContextCondenserOptions, TokenCounter } from './types';

export interface ResolvedCondenserOptions {
  summarizer: CachedSummarizer;
  counter: TokenCounter;
  /** The built-in counter: never counts more tokens than the request body has bytes. */
  counterBoundedByBytes: boolean;
  keyer: Keyer;
  blockMessages: number;
  minRecentMessages: number;
  summaryMaxTokens: number;
  summaryModel?: string;
  maxContextTokens: (model: string) => number | undefined;
  safetyMarginTokens: number;
  defaultOutputTokens: number;
  maxBodyBytes: number;
  /** Given to the built-in counter; a custom `tokenCounter` budgets itself. */
  countBudgetMs: number;
  summaryConcurrency: number;
  logger: Logger;
  clock: Clock;
}

/**
 * The request body limit is the response cache's: one setting for both middlewares, so the condenser never
 * reads (and counts) a body the response cache would refuse, nor the reverse.
 */
export const DEFAULT_MAX_BODY_BYTES = RESPONSE_CACHE_DEFAULTS.limits.bodyBytes;

/** contextCondenser's defaults, in one place. */
export const DEFAULTS = {
  blockMessages: 10,
  minRecentMessages: 4,
  summaryMaxTokens: 400,
  safetyMarginTokens: 256,
  defaultOutputTokens: 4096,
  maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
  countBudgetMs: TOKEN_COUNTER_DEFAULTS.countBudgetMs,
  summaryConcurrency: 8,
} as const;

function fail(path: string, message: string): never {
  throw new TypeError(`contextCondenser: ${path} ${message}`);
}

function integer(path: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min)
    fail(path, `must be an integer >= ${min} (got ${String(value)})`);
  return value;
}

/** Validates once, at creation; a bad option throws with its name. */
export function resolveCondenserOptions(options: ContextCondenserOptions): ResolvedCondenserOptions {
  if (!options || typeof options !== 'object') fail('options', 'must be an object');
  let summarizer = options.summarizer;
  if (summarizer !== undefined) {
    if (typeof summarizer !== 'function' || typeof summarizer.stats !== 'function') {
      fail('summarizer', 'must be a cachedSummarizer(...)');
    }
  } else {
    if (!options.cache) fail('cache', 'is required (with `summarize`) unless `summarizer` is given');
    if (typeof options.summarize !== 'function')
      fail('summarize', 'must be a function (input, { maxTokens, model })');
    summarizer = cachedSummarizer({ cache: options.cache, summarize: options.summarize });
  }
  const cap = options.maxContextTokens;
  let maxContextTokens: ResolvedCondenserOptions['maxContextTokens'];
  if (cap === undefined) maxContextTokens = () => undefined;
  else if (typeof cap === 'function') maxContextTokens = cap;
  else if (Number.isSafeInteger(cap) && cap > 0) maxContextTokens = () => cap;
  else fail('maxContextTokens', `must be a positive integer or a function (got ${String(cap)})`);
  if (
    options.summaryModel !== undefined &&
    (typeof options.summaryModel !== 'string' || options.summaryModel === '')
  ) {
    fail('summaryModel', 'must be a non-empty string');
  }
  let counter = options.tokenCounter;
  if (counter !== undefined && typeof counter.countRequest !== 'function') {
    fail('tokenCounter', 'must be a TokenCounter (countRequest, countText, exact, contextWindow)');
  }
  const countBudgetMs = integer('countBudgetMs', options.countBudgetMs, DEFAULTS.countBudgetMs, 0);
  try {
    counter ??= createTokenCounter({
      countBudgetMs,
      ...(options.contextWindows ? { contextWindows: options.contextWindows } : {}),
      ...(options.defaultContextWindow !== undefined
        ? { defaultContextWindow: options.defaultContextWindow }
        : {}),
    });
  } catch (err) {
    fail('', (err as Error).message);
  }
  // Now rather than inside the first request that needs counting: the load holds the event loop ~0.75 s.
  if (options.tokenCounter === undefined) preloadEncodings();
  return {
    summarizer,
    counter,
    counterBoundedByBytes: options.tokenCounter === undefined,
    keyer: isKeyer(options.key) ? options.key : createKeyer(options.key),
    blockMessages: integer('blockMessages', options.blockMessages, DEFAULTS.blockMessages, 1),
    minRecentMessages: integer('minRecentMessages', options.minRecentMessages, DEFAULTS.minRecentMessages, 1),
    summaryMaxTokens: integer('summaryMaxTokens', options.summaryMaxTokens, DEFAULTS.summaryMaxTokens, 1),
    ...(options.summaryModel !== undefined ? { summaryModel: options.summaryModel } : {}),
    maxContextTokens,
    safetyMarginTokens: integer(
      'safetyMarginTokens',
      options.safetyMarginTokens,
      DEFAULTS.safetyMarginTokens,
      0,
    ),
    defaultOutputTokens: integer(
      'defaultOutputTokens',
      options.defaultOutputTokens,
      DEFAULTS.defaultOutputTokens,
      0,
    ),
    maxBodyBytes: integer('maxBodyBytes', options.maxBodyBytes, DEFAULTS.maxBodyBytes, 1),
    countBudgetMs,
    summaryConcurrency: integer(
      'summaryConcurrency',
      options.summaryConcurrency,
      DEFAULTS.summaryConcurrency,
      1,
    ),
    logger: options.logger ?? silentLogger,
    clock: options.clock ?? systemClock,
  };
}
