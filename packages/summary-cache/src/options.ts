import { optionChecker, silentLogger, systemClock } from '@gatecache/core';
import type { OptionChecker } from '@gatecache/core';
import type { Clock, Logger } from '@gatecache/core';
import { createKeyer, isKeyer } from '@gatecache/cache-key';
import type { Keyer } from '@gatecache/cache-key';
import { cachedSummarizer } from './cached-summarizer';
import { DEFAULTS as ALL_DEFAULTS } from './defaults';
import { createTokenCounter, preloadEncodings, resolveTokenOptions } from './tokens';
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

const DEFAULTS = ALL_DEFAULTS.contextCondenser;

/** Validates once, at creation; a bad option throws a TypeError with its name. */
export function resolveCondenserOptions(options: ContextCondenserOptions): ResolvedCondenserOptions {
  const check: OptionChecker = optionChecker('contextCondenser');
  check.object('options', options);
  let summarizer = options.summarizer;
  if (summarizer !== undefined) {
    if (typeof summarizer !== 'function' || typeof summarizer.stats !== 'function') {
      check.fail('summarizer', 'must be a cachedSummarizer(...)');
    }
  } else {
    if (!options.cache) check.fail('cache', 'is required (with `summarize`) unless `summarizer` is given');
    if (typeof options.summarize !== 'function')
      check.fail('summarize', 'must be a function (input, { maxTokens, model })');
    summarizer = cachedSummarizer({ cache: options.cache, summarize: options.summarize });
  }
  const cap = options.maxContextTokens;
  let maxContextTokens: ResolvedCondenserOptions['maxContextTokens'];
  if (cap === undefined) maxContextTokens = () => undefined;
  else if (typeof cap === 'function') maxContextTokens = cap;
  else if (Number.isSafeInteger(cap) && cap > 0) maxContextTokens = () => cap;
  else check.fail('maxContextTokens', `must be a positive integer or a function (got ${String(cap)})`);
  check.string('summaryModel', options.summaryModel);
  let counter = options.tokenCounter;
  check.methods('tokenCounter', counter, ['countRequest'], 'a TokenCounter');
  const countBudgetMs = check.nonNegativeInt('countBudgetMs', options.countBudgetMs, DEFAULTS.countBudgetMs);
  if (counter === undefined) {
    counter = createTokenCounter(
      resolveTokenOptions(
        {
          countBudgetMs,
          ...(options.contextWindows ? { contextWindows: options.contextWindows } : {}),
          ...(options.defaultContextWindow !== undefined
            ? { defaultContextWindow: options.defaultContextWindow }
            : {}),
        },
        check,
      ),
    );
    // Now rather than inside the first request that needs counting: the load holds the event loop ~0.75 s.
    preloadEncodings();
  }
  check.methods('logger', options.logger, ['warn', 'info', 'debug'], 'a Logger');
  check.methods('clock', options.clock, ['now'], 'a Clock');
  return {
    summarizer,
    counter,
    counterBoundedByBytes: options.tokenCounter === undefined,
    keyer: isKeyer(options.key) ? options.key : createKeyer(options.key),
    blockMessages: check.positiveInt('blockMessages', options.blockMessages, DEFAULTS.blockMessages),
    minRecentMessages: check.positiveInt(
      'minRecentMessages',
      options.minRecentMessages,
      DEFAULTS.minRecentMessages,
    ),
    summaryMaxTokens: check.positiveInt(
      'summaryMaxTokens',
      options.summaryMaxTokens,
      DEFAULTS.summaryMaxTokens,
    ),
    ...(options.summaryModel !== undefined ? { summaryModel: options.summaryModel } : {}),
    maxContextTokens,
    safetyMarginTokens: check.nonNegativeInt(
      'safetyMarginTokens',
      options.safetyMarginTokens,
      DEFAULTS.safetyMarginTokens,
    ),
    defaultOutputTokens: check.nonNegativeInt(
      'defaultOutputTokens',
      options.defaultOutputTokens,
      DEFAULTS.defaultOutputTokens,
    ),
    maxBodyBytes: check.positiveInt('maxBodyBytes', options.maxBodyBytes, DEFAULTS.maxBodyBytes),
    countBudgetMs,
    summaryConcurrency: check.positiveInt(
      'summaryConcurrency',
      options.summaryConcurrency,
      DEFAULTS.summaryConcurrency,
    ),
    logger: options.logger ?? silentLogger,
    clock: options.clock ?? systemClock,
  };
}
