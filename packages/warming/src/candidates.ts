import type { CacheEntry } from '@gatecache/core';
import type { Recipe } from '@gatecache/providers';
import { forecastRequests } from './forecast';
import { parseKey } from './key-info';
import type { KeyInfo } from './key-info';
import type { ResolvedWarmerOptions } from './options';

export type CandidateReason = 'popular' | 'predicted' | 'manual';

export interface Candidate {
  key: string;
  info: KeyInfo;
  reason: CandidateReason;
  /** Expected requests (recent or forecast): the order in which candidates are warmed. */
  score: number;
  recipe: Recipe;
  old?: CacheEntry;
}

export function recipeOf(entry: CacheEntry | undefined): Recipe | undefined {
  const recipe = entry?.extra?.recipe as Recipe | undefined;
  return recipe && recipe.v === 1 && typeof recipe.path === 'string' ? recipe : undefined;
}

/** Whether a key may be warmed at all: its namespace opted in and no exclusion rule names it. */
export function warmable(o: ResolvedWarmerOptions, key: string, info: KeyInfo): boolean {
  return o.namespaces.has(info.namespace) && !o.excluded({ key, ...info });
}

/**
 * The entry and recipe of a key that is due: absent, stale, or within `refreshAhead` of expiry. The recipe
 * of an entry that is gone comes from `recipes` (kept when it was stored).
 */
export async function due(
  o: ResolvedWarmerOptions,
  key: string,
  recipes: ReadonlyMap<string, Recipe>,
  force: boolean,
): Promise<{ recipe: Recipe; old?: CacheEntry } | undefined> {
  const old = await o.cache.get(key, { allowStale: true, record: false });
  if (!force && old && !old.stale && old.expiresAt - o.clock.now() > o.refreshAheadMs) return undefined;
  const recipe = recipeOf(old) ?? recipes.get(key);
  if (!recipe) return undefined;
  return old ? { recipe, old } : { recipe };
}

/**
 * Popular keys (recent requests >= threshold) and, with prediction on, keys a linear regression of their
 * request rate says will reach the threshold within the prediction window; only those due, best first.
 */
export async function pickCandidates(
  o: ResolvedWarmerOptions,
  recipes: ReadonlyMap<string, Recipe>,
): Promise<Candidate[]> {
  const { tracker } = o;
  // With shared popularity: send this instance's counts and read everyone's before choosing.
  await tracker.sync?.();
  const bucketSeconds = tracker.patternWindow / tracker.buckets;
  const ahead = Math.max(1, Math.round(o.predictionWindow / bucketSeconds));
  // The threshold is per pattern window; scale the forecast to the same span.
  const scale = tracker.buckets / ahead;
  const out: Candidate[] = [];
  for (const p of tracker.popular()) {
    const info = parseKey(p.key);
    if (!warmable(o, p.key, info)) continue;
    let reason: Candidate['reason'] | undefined;
    let score = 0;
    if (o.preloadPopular && p.recent >= o.preloadThreshold) {
      reason = 'popular';
      score = p.recent;
    }
    if (o.predictive) {
      const forecast = forecastRequests(tracker.series(p.key) ?? [], ahead) * scale;
      if (forecast >= o.preloadThreshold && forecast > score) {
        reason = reason ?? 'predicted';
        score = forecast;
      }
    }
    if (!reason) continue;
    const d = await due(o, p.key, recipes, false);
    if (d) out.push({ key: p.key, info, reason, score, ...d });
  }
  return out.sort((a, b) => b.score - a.score);
}
