import { DEFAULT_MAX_BODY_BYTES as SHARED_MAX_BODY_BYTES } from '@gatecache/providers';
import { DEFAULT_CONTEXT_WINDOW } from './model-table';

/** The default instructions given to the summarizing model. Part of the summaries' cache key (via `id`). */
export const DEFAULT_SUMMARY_PROMPT = [
  'You condense part of a conversation between a user and an AI assistant so the assistant can continue it',
  'without the original messages. Write a concise, factual summary in the third person that keeps: the',
  "user's goals, questions and constraints; decisions and conclusions reached; facts, names, numbers, code",
  'identifiers and file paths that later turns may need; tool calls made and what they returned; anything',
  'left open. Leave out pleasantries and repetition. Do not add information that is not in the transcript.',
  'Answer with the summary only.',
].join(' ');

/**
 * Every default of this package's factories, in one place; option docs and the README point here. The
 * condenser's body limit is the response cache's: one setting for both middlewares, so the condenser never
 * reads (and counts) a body the response cache would refuse, nor the reverse.
 */
export const DEFAULTS = Object.freeze({
  contextCondenser: Object.freeze({
    blockMessages: 10,
    minRecentMessages: 4,
    summaryMaxTokens: 400,
    safetyMarginTokens: 256,
    defaultOutputTokens: 4096,
    maxBodyBytes: SHARED_MAX_BODY_BYTES,
    countBudgetMs: 200,
    summaryConcurrency: 8,
  }),
  cachedSummarizer: Object.freeze({
    /** Tenant scope of calls that give none. */
    tenant: 'global',
  }),
  gatewaySummarizer: Object.freeze({
    provider: 'openai' as 'openai' | 'anthropic',
    prompt: DEFAULT_SUMMARY_PROMPT,
    anthropicVersion: '2023-06-01',
    timeoutMs: 60_000,
  }),
  /** createTokenCounter's. */
  tokenCounter: Object.freeze({
    charsPerToken: 4,
    defaultContextWindow: DEFAULT_CONTEXT_WINDOW,
    /**
     * Time one request may spend counting exactly (ms, summed over slices, waits not counted); the rest is
     * extrapolated (see createTokenCounter), so one request's CPU stays bounded.
     */
    countBudgetMs: 200,
    /** Longest the counter holds the event loop before it yields to other work (ms). */
    sliceMs: 5,
  }),
});
