import type { EventEmitter } from 'node:events';
import type { CacheEntry } from '@gatecache/core';
import type { ModelPrice, ResponseCacheStats, SavedEvent, SavedTotals } from './types';

export type Counter = Exclude<keyof ResponseCacheStats, 'saved' | 'byTenant' | 'byModel' | 'byNamespace'>;

export interface Accounting {
  count(counter: Counter): void;
  /** Accounts a request answered from the cache: the tokens and money the provider call would have cost. */
  saved(key: string, namespace: string, entry: CacheEntry): void;
  snapshot(): ResponseCacheStats;
}

const emptyTotals = (): SavedTotals => ({ hits: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 });

/** Price of a model: an exact entry, else the longest configured prefix ('gpt-4o' prices 'gpt-4o-2024-08-06'). */
export function priceOf(pricing: Record<string, ModelPrice>, model: string): ModelPrice | undefined {
  const exact = pricing[model];
  if (exact) return exact;
  let best: string | undefined;
  for (const name of Object.keys(pricing)) {
    if (model.startsWith(name) && (best === undefined || name.length > best.length)) best = name;
  }
  return best === undefined ? undefined : pricing[best];
}

/** Estimated USD for the tokens, from prices per one million tokens. */
export function costOf(price: ModelPrice | undefined, inputTokens: number, outputTokens: number): number {
  if (!price) return 0;
  return (inputTokens * price.input + outputTokens * price.output) / 1_000_000;
}

/** The middleware's counters and the savings of hits, by tenant, model and namespace. */
export function createAccounting(pricing: Record<string, ModelPrice>, events: EventEmitter): Accounting {
  const stats: ResponseCacheStats = {
    requests: 0,
    hits: 0,
    stale: 0,
    misses: 0,
    collapsed: 0,
    bypassed: 0,
    stored: 0,
    notStored: 0,
    revalidations: 0,
    errors: 0,
    saved: emptyTotals(),
    byTenant: {},
    byModel: {},
    byNamespace: {},
  };
  const add = (totals: SavedTotals, input: number, output: number, cost: number): void => {
    totals.hits++;
    totals.inputTokens += input;
    totals.outputTokens += output;
    totals.costUsd += cost;
  };
  const bucket = (map: Record<string, SavedTotals>, name: string): SavedTotals =>
    (map[name] ??= emptyTotals());

  return {
    count(counter) {
      stats[counter]++;
    },
    saved(key, namespace, entry) {
      const usage = entry.usage ?? {};
      const input = usage.inputTokens ?? 0;
      const output = usage.outputTokens ?? (usage.totalTokens !== undefined ? usage.totalTokens - input : 0);
      const model = entry.model ?? 'unknown';
      const tenant = entry.tenant ?? 'unknown';
      const cost = costOf(priceOf(pricing, model), input, output);
      add(stats.saved, input, output, cost);
      add(bucket(stats.byTenant, tenant), input, output, cost);
      add(bucket(stats.byModel, model), input, output, cost);
      add(bucket(stats.byNamespace, namespace), input, output, cost);
      if (events.listenerCount('saved') > 0) {
        const event: SavedEvent = {
          key,
          namespace,
          tenant,
          provider: entry.provider ?? 'unknown',
          model,
          endpoint: entry.endpoint ?? 'unknown',
          inputTokens: input,
          outputTokens: output,
          costUsd: cost,
        };
        events.emit('saved', event);
      }
    },
    snapshot() {
      const copy = (map: Record<string, SavedTotals>): Record<string, SavedTotals> =>
        Object.fromEntries(Object.entries(map).map(([k, v]) => [k, { ...v }]));
      return {
        ...stats,
        saved: { ...stats.saved },
        byTenant: copy(stats.byTenant),
        byModel: copy(stats.byModel),
        byNamespace: copy(stats.byNamespace),
      };
    },
  };
}
