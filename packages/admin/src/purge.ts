import { hasOwnKey, ownValue, setOwn } from '@gatecache/core';
import type { Cache, CacheEvents, Store } from '@gatecache/core';
import { globMatcher } from '@gatecache/core';
import type { PurgePlan } from './purge-spec';
import { globEscape } from './purge-spec';
import { inspect } from './tier-read';
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

/** Cache operations a purge runs; their guarded failures are the purge's errors. */
const PURGE_OPS = new Set(['delete', 'deleteMatching']);

/** Keys of one tier that the plan selects, in batches of at most `size`. */
async function* selectedBatches(tier: Store, plan: PurgePlan, size: number): AsyncGenerator<string[]> {
  const seen = new Set<string>();
  let batch: string[] = [];
  const filtered = async (keys: string[]): Promise<string[]> => {
    if (plan.tag === undefined) return keys;
    const tag = plan.tag;
    const records = await Promise.all(keys.map(async (k) => inspect(tier, k)));
    return keys.filter((_, i) => records[i]?.meta.tags.includes(tag) === true);
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
      if (batch.length >= size) {
        const keys = await filtered(batch);
        batch = [];
        if (keys.length > 0) yield keys;
      }
    }
  }
  const keys = await filtered(batch);
  if (keys.length > 0) yield keys;
}

async function publish(bus: InvalidationBus | undefined, messages: InvalidationMessage[]): Promise<boolean> {
  if (!bus) return true;
  await Promise.all(messages.map((m) => bus.publish(m)));
  return true;
}

const largest = (byTier: Record<string, number>): number => Math.max(0, ...Object.values(byTier));

/**
 * Remove (or count) what a plan selects on every tier, always through the cache (`deleteMatching` for exact
 * globs, else `deleteMany`), so removals are guarded, counted and announced by its `delete` events.
 */
export async function executePurge(
  ctx: PurgeContext,
  plan: PurgePlan,
  dryRun: boolean,
): Promise<PurgeOutcome> {
  const { cache, bus, batch } = ctx;
  const errors: Record<string, string> = {};
  const byTier: Record<string, number> = {};
  const add = (tier: string, n: number): void => setOwn(byTier, tier, (ownValue(byTier, tier) ?? 0) + n);
  for (const tier of cache.tiers) setOwn(byTier, tier.name, 0);
  // The cache turns a failing tier into a count of 0 and a `tier-error` event: collect those as ours.
  const onTierError = (e: CacheEvents['tier-error']): void => {
    if (PURGE_OPS.has(e.op) && !hasOwnKey(errors, e.tier)) setOwn(errors, e.tier, e.error.message);
  };
  cache.on('tier-error', onTierError);
  try {
    if (plan.exact && !dryRun) {
      for (const glob of plan.globs) {
        const r = await cache.deleteMatching(glob);
        for (const [tier, n] of Object.entries(r.byTier)) add(tier, n);
      }
      const outcome: PurgeOutcome = { deleted: largest(byTier), byTier, dryRun, errors };
      if (bus) {
        const all = plan.globs.length === 1 && plan.globs[0] === '*';
        const messages: InvalidationMessage[] = all
          ? [{ type: 'all' }]
          : plan.key !== undefined
            ? [{ type: 'key', value: plan.key }]
            : plan.globs.map((g) => ({ type: 'pattern', value: g }));
        outcome.published = await publish(bus, messages).catch(() => false);
      }
      return outcome;
    }

    if (dryRun) {
      await Promise.all(
        cache.tiers.map(async (tier) => {
          try {
            for await (const keys of selectedBatches(tier, plan, batch)) add(tier.name, keys.length);
          } catch (err) {
            setOwn(errors, tier.name, (err as Error).message);
          }
        }),
      );
      return { deleted: largest(byTier), byTier, dryRun, errors };
    }

    // Tier by tier: what a batch removes is gone from every tier, so a later tier's scan only finds keys
    // the tiers above did not hold, and no key is deleted (or published) twice.
    let published = true;
    for (const tier of cache.tiers) {
      try {
        for await (const keys of selectedBatches(tier, plan, batch)) {
          const r = await cache.deleteMany(keys);
          for (const [name, n] of Object.entries(r.byTier)) add(name, n);
          if (bus) {
            const ok = await publish(
              bus,
              keys.map((k) => ({ type: 'key', value: k })),
            ).catch(() => false);
            published &&= ok;
          }
        }
      } catch (err) {
        // The scan (keys, metadata reads) is this tier's own and unguarded: report it and go on.
        if (!hasOwnKey(errors, tier.name)) setOwn(errors, tier.name, (err as Error).message);
      }
    }
    const outcome: PurgeOutcome = { deleted: largest(byTier), byTier, dryRun, errors };
    if (bus) outcome.published = published;
    return outcome;
  } finally {
    cache.off('tier-error', onTierError);
  }
}

/** The glob that matches exactly one key, for callers that purge a single key through a pattern API. */
export function exactGlob(key: string): string {
  return globEscape(key);
}
