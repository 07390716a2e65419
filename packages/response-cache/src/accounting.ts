import type { EventEmitter } from 'node:events';
import type { CacheEntry } from '@gatecache/core';
import { dictOf, labelCap } from '@gatecache/core';
import { costOf, priceOf } from '@gatecache/providers';
import type { ResolvedOptions } from './options';
import type { ResponseCacheStats, SavedEvent, SavedTotals } from './types';

export type Counter = Exclude<
  keyof ResponseCacheStats,
  'saved' | 'byTenant' | 'byModel' | 'byNamespace' | 'folded' | 'lock' | 'waiting'
>;

/** What a saving is priced from: a stored entry, or one built from an answer a flight shared. */
export type SavedFrom = Pick<CacheEntry, 'usage' | 'model' | 'tenant' | 'provider' | 'endpoint'>;

export interface Accounting {
  count(counter: Counter): void;
  /** Accounts a request answered from the cache: the tokens and money the provider call would have cost. */
  saved(key: string, namespace: string, entry: SavedFrom): void;
  snapshot(): Omit<ResponseCacheStats, 'waiting'>;
}

const emptyTotals = (): SavedTotals => ({ hits: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 });

/**
 * The middleware's counters and the savings of hits, by tenant, model and namespace. The buckets are Maps
 * (tenant and model are the client's strings) and capped by `labelLimits`: past the cap a tenant or model is
 * counted under `other`, and in `folded`.
 */
export function createAccounting(
  o: Pick<ResolvedOptions, 'pricing' | 'labelLimits'>,
  events: EventEmitter,
): Accounting {
  const { pricing, labelLimits } = o;
  const counters: Record<Counter, number> = {
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
  };
  const saved = emptyTotals();
  const tenants = labelCap(labelLimits.tenants);
  const models = labelCap(labelLimits.models);
  const byTenant = new Map<string, SavedTotals>();
  const byModel = new Map<string, SavedTotals>();
  const byNamespace = new Map<string, SavedTotals>();
  const add = (totals: SavedTotals, input: number, output: number, cost: number): void => {
    totals.hits++;
    totals.inputTokens += input;
    totals.outputTokens += output;
    totals.costUsd += cost;
  };
  const bucket = (map: Map<string, SavedTotals>, name: string): SavedTotals => {
    let totals = map.get(name);
    if (!totals) map.set(name, (totals = emptyTotals()));
    return totals;
  };

  return {
    count(counter) {
      counters[counter]++;
    },
    saved(key, namespace, entry) {
      const usage = entry.usage ?? {};
      const input = usage.inputTokens ?? 0;
      const output = usage.outputTokens ?? (usage.totalTokens !== undefined ? usage.totalTokens - input : 0);
      const model = entry.model ?? 'unknown';
      const tenant = entry.tenant ?? 'unknown';
      // Priced as the provider would have charged this answer: its prompt-cache reads and writes apart.
      const cost = costOf(priceOf(pricing, model), { ...usage, inputTokens: input, outputTokens: output });
      add(saved, input, output, cost);
      add(bucket(byTenant, tenants.label(tenant)), input, output, cost);
      add(bucket(byModel, models.label(model)), input, output, cost);
      // Namespaces are the cache's configured ones (an unknown one is refused before the lookup).
      add(bucket(byNamespace, namespace), input, output, cost);
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
      // Prototype-less objects: a tenant or model named '__proto__' is an own property like any other.
      const copy = (map: Map<string, SavedTotals>): Record<string, SavedTotals> =>
        dictOf([...map].map(([k, v]) => [k, { ...v }] as const));
      return {
        ...counters,
        saved: { ...saved },
        byTenant: copy(byTenant),
        byModel: copy(byModel),
        byNamespace: copy(byNamespace),
        folded: { tenants: tenants.folded, models: models.folded },
      };
    },
  };
}
