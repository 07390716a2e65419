import { ownValue } from '@gatecache/core';

import type { TokenUsage } from './sse';

/** USD per one million tokens. */
export interface ModelPrice {
  input: number;
  output: number;
  /** Input read from the provider's prompt cache; default a tenth of `input` (OpenAI, Anthropic). */
  cachedInput?: number;
  /** Input written to the provider's prompt cache; default 1.25 times `input` (Anthropic's 5-minute cache). */
  cacheWrite?: number;
}

const CACHED_INPUT_FACTOR = 0.1;
const CACHE_WRITE_FACTOR = 1.25;

/** Price of a model: an exact entry, else the longest configured prefix ('gpt-4o' prices 'gpt-4o-2024-08-06'). */
export function priceOf(pricing: Record<string, ModelPrice>, model: string): ModelPrice | undefined {
  // Own entries only: the model is the client's, and 'constructor' must not find Object's.
  const exact = ownValue(pricing, model);
  if (exact) return exact;
  let best: string | undefined;
  for (const name of Object.keys(pricing)) {
    if (model.startsWith(name) && (best === undefined || name.length > best.length)) best = name;
  }
  return best === undefined ? undefined : ownValue(pricing, best);
}

/**
 * Estimated USD the provider charges for a request's usage: input read from its prompt cache at `cachedInput`,
 * input written to it at `cacheWrite`, the rest of the input at `input`, output at `output`.
 */
export function costOf(price: ModelPrice | undefined, usage: TokenUsage | undefined): number {
  if (!price || !usage) return 0;
  const input = usage.inputTokens ?? 0;
  const reads = Math.min(usage.cachedInputTokens ?? 0, input);
  const writes = Math.min(usage.cacheWriteTokens ?? 0, input - reads);
  const fresh = input - reads - writes;
  const cachedPrice = price.cachedInput ?? price.input * CACHED_INPUT_FACTOR;
  const writePrice = price.cacheWrite ?? price.input * CACHE_WRITE_FACTOR;
  const output = usage.outputTokens ?? 0;
  return (
    (fresh * price.input + reads * cachedPrice + writes * writePrice + output * price.output) / 1_000_000
  );
}
