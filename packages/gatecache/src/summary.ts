import type { Cache, Clock, Logger } from '@gatecache/core';
import type { KeyOptions } from '@gatecache/cache-key';
import { cachedSummarizer, contextCondenser, gatewaySummarizer } from '@gatecache/summary-cache';
import type { ContextCondenserMiddleware } from '@gatecache/summary-cache';
import type { GatecacheConfig } from './resolve';
import type { Upstreams } from './upstream';

/** Small, cheap models: a summary is a condensation, not an answer. */
export const DEFAULT_SUMMARY_MODELS = { openai: 'gpt-4o-mini', anthropic: 'claude-haiku-4-5' } as const;

interface Deps {
  cache: Cache;
  upstreams: Upstreams;
  keyOptions: KeyOptions;
  /** The response cache's body limit: the condenser reads no more than it would. */
  maxBodyBytes: number;
  clock: Clock;
  logger: Logger;
}

/**
 * `caching.summary_cache` as a context condenser: summaries memoized in the `summary` namespace, written by
 * a small model through the gateway's own upstream and credential. Undefined when the namespace is off, or
 * when the gateway has no credential of its own for the chosen provider (a warning says so).
 */
export function buildCondenser(config: GatecacheConfig, deps: Deps): ContextCondenserMiddleware | undefined {
  if (!config.namespaces.summary.enabled) return undefined;
  const { cache, upstreams, keyOptions, maxBodyBytes, clock, logger } = deps;
  const sc = config.caching.summary_cache;
  const provider = sc.provider ?? (upstreams.openai ? 'openai' : 'anthropic');
  const target = upstreams[provider];
  if (!target) {
    const wanted = sc.provider
      ? `no ${provider} credential of its own (${provider === 'openai' ? 'OPENAI_API_KEY' : 'ANTHROPIC_API_KEY'})`
      : 'no upstream credential of its own (OPENAI_API_KEY / ANTHROPIC_API_KEY)';
    logger.warn(`caching.summary_cache: the gateway has ${wanted}, so long conversations are not condensed`);
    return undefined;
  }
  const model = sc.model ?? DEFAULT_SUMMARY_MODELS[provider];
  const summarize = gatewaySummarizer({
    baseUrl: target.baseUrl,
    apiKey: target.apiKey,
    provider,
    model,
    ...(sc.timeout !== undefined ? { timeoutMs: sc.timeout * 1000 } : {}),
  });
  return contextCondenser({
    summarizer: cachedSummarizer({ cache, summarize, clock }),
    key: keyOptions,
    maxBodyBytes,
    // Summaries are keyed by the summarizing model, so every conversation model shares them.
    summaryModel: model,
    ...(sc.max_context_tokens !== undefined ? { maxContextTokens: sc.max_context_tokens } : {}),
    ...(sc.block_messages !== undefined ? { blockMessages: sc.block_messages } : {}),
    ...(sc.min_recent_messages !== undefined ? { minRecentMessages: sc.min_recent_messages } : {}),
    ...(sc.summary_max_tokens !== undefined ? { summaryMaxTokens: sc.summary_max_tokens } : {}),
    ...(sc.safety_margin_tokens !== undefined ? { safetyMarginTokens: sc.safety_margin_tokens } : {}),
    ...(sc.default_output_tokens !== undefined ? { defaultOutputTokens: sc.default_output_tokens } : {}),
    ...(sc.context_windows !== undefined ? { contextWindows: sc.context_windows } : {}),
    clock,
    logger,
  });
}
