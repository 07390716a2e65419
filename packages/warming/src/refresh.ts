import type { Cache, CacheEntry } from '@gatecache/core';
import { buildEntry, costOf, priceOf } from '@gatecache/providers';
import type { BuildArgs, ModelPrice, Recipe } from '@gatecache/providers';
import type { KeyInfo } from './key-info';
import type { ReplayFunction } from './upstream';

export interface RefreshArgs {
  cache: Cache;
  replay: ReplayFunction;
  key: string;
  info: KeyInfo;
  recipe: Recipe;
  /** The entry being refreshed, when it is still there: its TTL, tags and tenant are kept. */
  old?: CacheEntry;
  pricing: Record<string, ModelPrice>;
  /** Largest answer stored; a custom replay's larger answer is refused as 'too-large'. */
  maxEntryBytes?: number;
  now: number;
}

export type RefreshResult =
  | { ok: true; tokens: number; costUsd: number }
  | { ok: false; reason: string; tokens: number; costUsd: number };

/** Tokens and cost an entry's answer took, as an estimate for its next warm. */
export function spendOf(
  entry: Pick<CacheEntry, 'usage' | 'model'> | undefined,
  pricing: Record<string, ModelPrice>,
): { tokens: number; costUsd: number } {
  const usage = entry?.usage;
  const tokens = (usage?.inputTokens ?? 0) + (usage?.outputTokens ?? 0);
  return { tokens, costUsd: costOf(priceOf(pricing, entry?.model ?? ''), usage) };
}

/**
 * Replays a recipe and stores the answer under the same key, through the storing rules response-cache uses
 * (2xx only, no cookies or private directives, complete streams only). A refused or failed answer leaves the
 * old entry where it is.
 */
export async function refreshKey(args: RefreshArgs): Promise<RefreshResult> {
  const { key, info, recipe, old } = args;
  const answer = await args.replay(recipe, { key, ...(info.provider ? { provider: info.provider } : {}) });
  const provider = old?.provider ?? info.provider ?? 'unknown';
  const route = {
    provider,
    endpoint: old?.endpoint ?? info.endpoint ?? 'unknown',
    model: old?.model ?? info.model ?? 'none',
    streaming: false,
    streamConvertible: false,
  } as BuildArgs['keyed']['route'];
  const tenant = old?.tenant ?? info.tenant ?? 'global';
  const verdict = buildEntry({
    head: { status: answer.status, headers: answer.headers },
    chunks: [answer.body],
    keyed: { route, tenant },
    tags: old?.tags ?? [],
    extraHeaders: new Set(),
    recipe,
    ...(args.maxEntryBytes !== undefined ? { maxBytes: args.maxEntryBytes } : {}),
  });
  if (!verdict.ok) return { ok: false, reason: verdict.reason, tokens: 0, costUsd: 0 };
  const input = verdict.input;
  // Keep what the middleware recorded about the request (its variant bucket), and mark the warm.
  input.extra = { ...old?.extra, ...input.extra, warmedAt: args.now };
  const spent = spendOf({ usage: input.usage, model: route.model }, args.pricing);
  const ttl = old ? Math.max(1, Math.round((old.expiresAt - old.createdAt) / 1000)) : undefined;
  const stored = await args.cache.set(key, input, ttl !== undefined ? { ttl } : {});
  if (!stored) return { ok: false, reason: 'refused by every tier', ...spent };
  return { ok: true, ...spent };
}
