import type { Cache, Store } from '@gatecache/core';
import { globMatcher } from '@gatecache/core';
import type { PurgePlan } from './purge-spec';
import { globEscape } from './purge-spec';
import type { InvalidationBus, InvalidationMessage } from './types';

export interface PurgeOutcome {
  /** Distinct entries removed (or, in a dry run, that would be): the largest count of any one tier. */
  deleted: number;
  byTier: Record<string, number>;
  dryRun: boolean;
  /** Tiers that failed during the purge, with the error message. */
  errors: Record<string, string>;
  /** Whether the purge was announced on the invalidation bus (undefined without a bus). */
  published?: boolean;
}

export interface PurgeContext {
  cache: Cache;
  bus?: InvalidationBus;
  /** Keys handled per batch (metadata reads, deletes, bus messages). */
  batch: number;
}

/** Runs `fn` over a tier, turning a failure into an entry of `errors` so other tiers still run. */
async function guarded(
  tier: Store,
  errors: Record<string, string>,
  fn: () => Promise<number>,
): Promise<number> {
  try {
    return await fn();
  } catch (err) {
    errors[tier.name] = (err as Error).message;
    return 0;
  }
}

/** Keys of one tier that the plan selects, handed over in batches (`onBatch` may delete them). */
async function scanTier(
  tier: Store,
  plan: PurgePlan,
  batchSize: number,
  onBatch: (keys: string[]) => Promise<number>,
): Promise<number> {
  const seen = new Set<string>();
  let total = 0;
  let batch: string[] = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    let keys = batch;
    batch = [];
    if (plan.tag !== undefined) {
      const tag = plan.tag;
      const records = await Promise.all(keys.map(async (k) => tier.get(k)));
      keys = keys.filter((_, i) => records[i]?.meta.tags.includes(tag) === true);
    }
    if (keys.length > 0) total += await onBatch(keys);
  };
  for (const glob of plan.globs) {
    const match = globMatcher(glob);
    for await (const key of tier.keys(glob)) {
      // A tier's own glob may be looser than ours (a prefix); both must agree.
      if (!match(key) || (plan.predicate && !plan.predicate(key))) continue;
      if (plan.globs.length > 1) {
        if (seen.has(key)) continue;
        seen.add(key);
      }
      batch.push(key);
      if (batch.length >= batchSize) await flush();
    }
  }
  await flush();
  return total;
}

async function publish(bus: InvalidationBus | undefined, messages: InvalidationMessage[]): Promise<boolean> {
  if (!bus) return true;
  await Promise.all(messages.map((m) => bus.publish(m)));
  return true;
}

/**
 * Remove (or count) what a plan selects on every tier. A whole-cache purge and exact globs use the cache's
 * own pattern delete (tiers' fast paths, guarded, counted in stats); other filters scan each tier, read
 * metadata where a tag is asked for, and delete key by key. The bus then carries the purge to other instances:
 * `all` or the globs when they are exact, else each deleted key.
 */
export async function executePurge(
  ctx: PurgeContext,
  plan: PurgePlan,
  dryRun: boolean,
): Promise<PurgeOutcome> {
  const { cache, bus, batch } = ctx;
  const errors: Record<string, string> = {};
  const byTier: Record<string, number> = {};
  const all = plan.exact && plan.globs.length === 1 && plan.globs[0] === '*';

  if (plan.exact && !dryRun) {
    for (const glob of plan.globs) {
      const r = await cache.deleteMatching(glob);
      for (const [tier, n] of Object.entries(r.byTier)) byTier[tier] = (byTier[tier] ?? 0) + n;
    }
    for (const tier of cache.tiers) byTier[tier.name] ??= 0;
    const outcome: PurgeOutcome = { deleted: Math.max(0, ...Object.values(byTier)), byTier, dryRun, errors };
    if (bus) {
      const messages: InvalidationMessage[] = all
        ? [{ type: 'all' }]
        : plan.key !== undefined
          ? [{ type: 'key', value: plan.key }]
          : plan.globs.map((g) => ({ type: 'pattern', value: g }));
      outcome.published = await publish(bus, messages).catch(() => false);
    }
    return outcome;
  }

  const deletedKeys = new Set<string>();
  let published = true;
  await Promise.all(
    cache.tiers.map(async (tier) => {
      byTier[tier.name] = await guarded(tier, errors, () =>
        scanTier(tier, plan, batch, async (keys) => {
          if (dryRun) return keys.length;
          const results = await Promise.all(keys.map(async (k) => tier.delete(k)));
          const fresh = keys.filter((k, i) => results[i] && !deletedKeys.has(k));
          for (const k of fresh) deletedKeys.add(k);
          if (bus && fresh.length > 0) {
            const ok = await publish(
              bus,
              fresh.map((k) => ({ type: 'key', value: k })),
            ).catch(() => false);
            published &&= ok;
          }
          return results.filter(Boolean).length;
        }),
      );
    }),
  );
  const outcome: PurgeOutcome = { deleted: Math.max(0, ...Object.values(byTier)), byTier, dryRun, errors };
  if (bus && !dryRun) outcome.published = published;
  return outcome;
}

/** The glob that matches exactly one key, for callers that purge a single key through a pattern API. */
export function exactGlob(key: string): string {
  return globEscape(key);
}
