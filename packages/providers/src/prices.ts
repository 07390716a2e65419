import { ownValue } from '@gatecache/core';

/** USD per one million tokens. */
export interface ModelPrice {
  input: number;
  output: number;
}

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

/** Estimated USD for the tokens, from prices per one million tokens. */
export function costOf(price: ModelPrice | undefined, inputTokens: number, outputTokens: number): number {
  if (!price) return 0;
  return (inputTokens * price.input + outputTokens * price.output) / 1_000_000;
}
