import type { EventEmitter } from 'node:events';
import { DEFAULT_LABEL_LIMITS, OTHER_LABEL, labelCap } from '@gatecache/core';
import { num } from './snapshot';

/** Tokens and cost saved for one model and tenant. */
export interface SavingsRow {
  model: string;
  /** '' when the response cache did not know the tenant. */
  tenant: string;
  hits: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export interface SavingsTracker {
  rows(): SavingsRow[];
  /** Hits counted under the (`other`, `other`) row because `labelLimits.pairs` was reached. */
  folded(): number;
  close(): void;
}

/**
 * Tallies the response cache's `saved` events by model and tenant together: its `stats()` keeps each
 * dimension apart, and `cache_tokens_saved_total{model,tenant}` needs the pair. Counts from creation on,
 * so create the metrics router at start-up.
 */
export function trackSavings(
  source: { events: Pick<EventEmitter, 'on' | 'off'> },
  maxPairs: number = DEFAULT_LABEL_LIMITS.pairs,
): SavingsTracker {
  const byPair = new Map<string, SavingsRow>();
  // Model and tenant are the clients' strings: each new pair would be three more series on every scrape.
  const pairs = labelCap(maxPairs);
  const onSaved = (e: Record<string, unknown>): void => {
    let model = typeof e.model === 'string' && e.model ? e.model : 'unknown';
    let tenant = typeof e.tenant === 'string' ? e.tenant : '';
    let id = `${model}\u0000${tenant}`;
    if (pairs.label(id) === OTHER_LABEL) {
      model = tenant = OTHER_LABEL;
      id = `${model}\u0000${tenant}`;
    }
    let row = byPair.get(id);
    if (!row) {
      row = { model, tenant, hits: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 };
      byPair.set(id, row);
    }
    row.hits++;
    row.inputTokens += num(e.inputTokens);
    row.outputTokens += num(e.outputTokens);
    row.costUsd += num(e.costUsd);
  };
  source.events.on('saved', onSaved);
  return {
    rows: () => [...byPair.values()].map((r) => ({ ...r })),
    folded: () => pairs.folded,
    close: () => source.events.off('saved', onSaved),
  };
}

/** Whether a source has an events emitter to listen to. */
export function hasEvents(v: unknown): v is { events: Pick<EventEmitter, 'on' | 'off'> } {
  const events = (v as { events?: { on?: unknown; off?: unknown } } | null)?.events;
  return typeof events?.on === 'function' && typeof events.off === 'function';
}
