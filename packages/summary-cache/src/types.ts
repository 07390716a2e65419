import type { EventEmitter } from 'node:events';
import type { Cache, Clock, Logger } from '@gatecache/core';
import type { KeyOptions, Keyer } from '@gatecache/cache-key';
import type { RequestHandler } from 'express';

/** What a summarizer is asked for: the longest summary (tokens) and the model the summary is for. */
export interface SummarizeOptions {
  maxTokens: number;
  model: string;
}

/** Any summarizer: text of a conversation part in, its summary out. */
export type SummarizeFn = ((input: string, options: SummarizeOptions) => Promise<string>) & {
  /** Optional identity (prompt + model hash) mixed into cache keys, so a new prompt never reuses old summaries. */
  id?: string;
};

export interface CachedSummarizeOptions extends SummarizeOptions {
  /** Tenant scope (the request key's tenant field); overrides the factory's. Default: the factory's, else 'global'. */
  tenant?: string;
}

export interface CachedSummarizerOptions {
  /** The core cache; summaries go to its `summary` namespace. Required. */
  cache: Cache;
  /** The summarizer wrapped. Required. */
  summarize: SummarizeFn;
  /** Default tenant scope for every call (see cache-key `tenantHash`); default in `DEFAULTS.cachedSummarizer`. */
  tenant?: string;
  /** Mixed into every key; change it when the prompt changes. Default: `summarize.id`, else ''. */
  keySalt?: string;
  /** Freshness of stored summaries (seconds). Default: the `summary` namespace's TTL (3600). */
  ttl?: number;
  clock?: Clock;
}

export interface SummarizerStats {
  /** Summaries answered from the cache. */
  hits: number;
  /** Summaries not in the cache (each led to, or joined, a summarizer call). */
  misses: number;
  /** Calls of the wrapped summarizer. */
  summarizerCalls: number;
  /** Concurrent identical requests that shared another's summarizer call. */
  coalesced: number;
  /** Summarizer calls saved: hits + coalesced. */
  callsAvoided: number;
  /** Summarizer calls that failed (never cached). */
  errors: number;
}

/** Emitted as `summarized` for every summary served. */
export interface SummarizedEvent {
  key: string;
  model: string;
  tenant: string;
  source: 'cache' | 'summarizer' | 'coalesced';
  durationMs: number;
}

export interface CachedSummarizer {
  (input: string, options: CachedSummarizeOptions): Promise<string>;
  /** The cache key a summary of this input gets. */
  keyOf(input: string, options: CachedSummarizeOptions): string;
  stats(): SummarizerStats;
  /** `summarized` (SummarizedEvent), `summarize-error` ({ key, error }). */
  events: EventEmitter;
}

/** Context windows (tokens) by model: exact name, else the longest matching prefix. */
export type ContextWindows = Record<string, number>;

export interface TokenCounterOptions {
  /** Context windows added to (and overriding) the built-in table. Default {}. */
  contextWindows?: ContextWindows;
  /** Window for models no table knows. Default 128000. */
  defaultContextWindow?: number;
  /** Characters per token for the estimate used for non-OpenAI models. Default 4. */
  charsPerToken?: number;
  /**
   * CPU time (ms) one request may spend counting exactly (OpenAI models), so its cost stays bounded; the rest is
   * extrapolated, capped at one token per UTF-8 byte. Default `DEFAULTS.tokenCounter.countBudgetMs`.
   */
  countBudgetMs?: number;
  /** Longest the counter runs before it yields the event loop to other requests (ms). Default 5. */
  sliceMs?: number;
}

export interface TokenCounter {
  /**
   * Tokens of a chat request's prompt (messages, system, tools) for the provider and model. The built-in counter
   * answers asynchronously, yielding the event loop while it counts; a custom one may answer synchronously.
   */
  countRequest(provider: ChatProvider, body: ChatBody): number | Promise<number>;
  /** Tokens of one text for the model. */
  countText(model: string, text: string): number;
  /** Whether counts for this model come from a real tokenizer (true) or the estimate. */
  exact(provider: ChatProvider, model: string): boolean;
  /** The model's context window (tokens). */
  contextWindow(model: string): number;
}

export type ChatProvider = 'openai' | 'anthropic';

/** A chat message as either provider sends it; only the fields condensation reads are typed. */
export interface ChatMessage {
  role: string;
  content?: unknown;
  tool_calls?: unknown[];
  function_call?: unknown;
  tool_call_id?: string;
  name?: string;
  [field: string]: unknown;
}

export interface ChatBody {
  model?: string;
  messages: ChatMessage[];
  system?: unknown;
  tools?: unknown;
  functions?: unknown;
  max_tokens?: number;
  max_completion_tokens?: number;
  [field: string]: unknown;
}

export interface ContextCondenserOptions {
  /** A ready cached summarizer (shares stats and single-flight). Either this or `cache` + `summarize`. */
  summarizer?: CachedSummarizer;
  /** The core cache (with `summarize`, builds a cachedSummarizer). */
  cache?: Cache;
  /** The summarizer (with `cache`); e.g. `gatewaySummarizer(...)`. */
  summarize?: SummarizeFn;
  /** Messages per block, counted from the conversation start (system messages not counted). Default 10. */
  blockMessages?: number;
  /** Latest non-system messages always kept verbatim. Default 4. */
  minRecentMessages?: number;
  /** Longest summary of one block (tokens). Default 400. */
  summaryMaxTokens?: number;
  /** Model name given to the summarizer (and in summary keys). Default: the request's model. */
  summaryModel?: string;
  /** Prompt budget cap below the model's window: a number, or per model. Default: the model's window. */
  maxContextTokens?: number | ((model: string) => number | undefined);
  /** Tokens kept free besides the requested output, for counting error. Default 256. */
  safetyMarginTokens?: number;
  /** Output reserved when the request sets no max_tokens / max_completion_tokens. Default 4096. */
  defaultOutputTokens?: number;
  /** Context windows added to (and overriding) the built-in table. Default {}. */
  contextWindows?: ContextWindows;
  /** Window for models no table knows. Default 128000. */
  defaultContextWindow?: number;
  /** A token counter to use instead of the built-in one. */
  tokenCounter?: TokenCounter;
  /** Key options for the tenant scope of summaries, or a ready keyer. Default `createKeyer()` (by credential). */
  key?: KeyOptions | Keyer;
  /**
   * Largest request body (bytes) read; larger ones pass through untouched, unparsed. Default: the response
   * cache's `DEFAULT_MAX_BODY_BYTES` (1 MiB); give both middlewares the same value (createGatecache does).
   */
  maxBodyBytes?: number;
  /** CPU time (ms) one request may spend counting exactly with the built-in counter (see TokenCounterOptions). Default 200. */
  countBudgetMs?: number;
  /** Summarizer calls one request runs at a time. Default 8. */
  summaryConcurrency?: number;
  logger?: Logger;
  clock?: Clock;
}

export interface CondenserStats {
  /** Chat requests the condenser looked at. */
  requests: number;
  /** Requests condensed. */
  condensed: number;
  /** Tokens removed from prompts by condensation, in total. */
  tokensRemoved: number;
  /** Requests over budget whose condensation failed but that were sent uncondensed (they fit the window). */
  passedThrough: number;
  /** Requests answered with an error (could not be made to fit). */
  rejected: number;
  summaries: SummarizerStats;
}

/** Emitted as `condensed`. */
export interface CondensedEvent {
  provider: ChatProvider;
  model: string;
  tenant: string;
  tokensBefore: number;
  tokensAfter: number;
  tokensRemoved: number;
  blocks: number;
  messagesRemoved: number;
}

export type ContextCondenserMiddleware = RequestHandler & {
  stats(): CondenserStats;
  /** `condensed` (CondensedEvent), `condense-failed` ({ reason, passedThrough }), and the summarizer's `summarized`. */
  events: EventEmitter;
  summarizer: CachedSummarizer;
};
