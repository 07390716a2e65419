import { silentLogger, systemClock } from '@gatecache/core';
import type { Clock, Logger } from '@gatecache/core';
import { createKeyer, isKeyer } from '@gatecache/cache-key';
import type { Keyer } from '@gatecache/cache-key';
import { cachedSummarizer } from './cached-summarizer';
import { createTokenCounter } from './tokens';
import type { CachedSummarizer, ContextCondenserOptions, TokenCounter } from './types';

export interface ResolvedCondenserOptions {
  summarizer: CachedSummarizer;
  counter: TokenCounter;
  keyer: Keyer;
  blockMessages: number;
  minRecentMessages: number;
  summaryMaxTokens: number;
  summaryModel?: string;
  maxContextTokens: (model: string) => number | undefined;
  safetyMarginTokens: number;
  defaultOutputTokens: number;
  maxBodyBytes: number;
  logger: Logger;
  clock: Clock;
}

export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;

function fail(path: string, message: string): never {
  throw new Error(`contextCondenser: ${path} ${message}`);
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
  try {
    counter ??= createTokenCounter({
      ...(options.contextWindows ? { contextWindows: options.contextWindows } : {}),
      ...(options.defaultContextWindow !== undefined
        ? { defaultContextWindow: options.defaultContextWindow }
        : {}),
    });
  } catch (err) {
    fail('', (err as Error).message);
  }
  return {
    summarizer,
    counter,
    keyer: isKeyer(options.key) ? options.key : createKeyer(options.key),
    blockMessages: integer('blockMessages', options.blockMessages, 10, 1),
    minRecentMessages: integer('minRecentMessages', options.minRecentMessages, 4, 1),
    summaryMaxTokens: integer('summaryMaxTokens', options.summaryMaxTokens, 400, 1),
    ...(options.summaryModel !== undefined ? { summaryModel: options.summaryModel } : {}),
    maxContextTokens,
    safetyMarginTokens: integer('safetyMarginTokens', options.safetyMarginTokens, 256, 0),
    defaultOutputTokens: integer('defaultOutputTokens', options.defaultOutputTokens, 4096, 0),
    maxBodyBytes: integer('maxBodyBytes', options.maxBodyBytes, DEFAULT_MAX_BODY_BYTES, 1),
    logger: options.logger ?? silentLogger,
    clock: options.clock ?? systemClock,
  };
}
