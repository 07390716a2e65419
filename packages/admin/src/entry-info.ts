import type { Cache, StoredRecord } from '@gatecache/core';
import { inspect } from './tier-read';

export interface EntryInfo {
  key: string;
  namespace: string;
  /** Tiers holding the entry, fastest first. */
  tiers: string[];
  /** Seconds since it was stored. */
  age: number;
  /** Seconds of freshness left (0 when stale). */
  ttl: number;
  stale: boolean;
  created_at: string;
  expires_at: string;
  stale_until: string;
  size: number;
  stored_size: number;
  encoding: string;
  encrypted: boolean;
  tags: string[];
  kind?: string;
  status?: number;
  provider?: string;
  model?: string;
  endpoint?: string;
  /** Keyed hash of the credential (HMAC, not reversible), as used by `tenant=` purges. */
  tenant?: string;
  /** Lookups of this key seen by this router since it started (bounded tracking; undefined when untracked). */
  hits?: number;
  body?: { encoding: 'utf8' | 'base64'; data: string };
  /** Why the body could not be shown (it failed its integrity check or did not decode). */
  body_error?: string;
}

/**
 * Metadata of one entry across tiers; undefined when no tier holds it (or it is past its stale window).
 * Reads go through `peek` where a tier has one (no LRU promotion) and the body is decoded with the cache's
 * own keys (`cache.decodeRecord`), so looking at an entry changes neither eviction order nor hit statistics.
 */
export async function entryInfo(
  cache: Cache,
  key: string,
  now: number,
  includeBody: boolean,
): Promise<EntryInfo | undefined> {
  let first: StoredRecord | undefined;
  const tiers: string[] = [];
  for (const tier of cache.tiers) {
    try {
      const record = await inspect(tier, key);
      if (!record || now >= record.meta.staleUntil) continue;
      tiers.push(tier.name);
      first ??= record;
    } catch {
      // A failing tier is reported by /debug/cache/integrity; here it just does not count as holding the key.
    }
  }
  if (!first) return undefined;
  const meta = first.meta;
  const info: EntryInfo = {
    key,
    namespace: meta.namespace,
    tiers,
    age: Math.max(0, Math.floor((now - meta.createdAt) / 1000)),
    ttl: Math.max(0, Math.floor((meta.expiresAt - now) / 1000)),
    stale: now >= meta.expiresAt,
    created_at: new Date(meta.createdAt).toISOString(),
    expires_at: new Date(meta.expiresAt).toISOString(),
    stale_until: new Date(meta.staleUntil).toISOString(),
    size: meta.size,
    stored_size: meta.storedSize,
    encoding: meta.encoding,
    encrypted: meta.encryption !== undefined,
    tags: meta.tags,
  };
  if (meta.kind !== undefined) info.kind = meta.kind;
  if (meta.status !== undefined) info.status = meta.status;
  if (meta.provider !== undefined) info.provider = meta.provider;
  if (meta.model !== undefined) info.model = meta.model;
  if (meta.endpoint !== undefined) info.endpoint = meta.endpoint;
  if (meta.tenant !== undefined) info.tenant = meta.tenant;
  if (includeBody) {
    try {
      const body = await cache.decodeRecord(first);
      const text = body.toString('utf8');
      info.body = Buffer.from(text, 'utf8').equals(body)
        ? { encoding: 'utf8', data: text }
        : { encoding: 'base64', data: body.toString('base64') };
    } catch (err) {
      info.body_error = (err as Error).message;
    }
  }
  return info;
}
