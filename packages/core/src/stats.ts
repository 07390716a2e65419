import { dictOf, ownValue } from './own';
import type { TierGuard } from './tier-guard';
import type { Store, TierStats } from './types';

export interface NamespaceStats {
  hits: number;
  misses: number;
  /** Lookups answered with a stale entry (stale-while-revalidate, stale-if-error). */
  staleHits: number;
  totalRequests: number;
  hitRate: number;
  sets: number;
  deletes: number;
  evictions: number;
  /** Entries and bytes as the first tier that counts them per namespace reports them. */
  entries: number;
  bytes: number;
  bytesBeforeCompression: number;
  bytesAfterCompression: number;
}

export interface TierCacheStats extends TierStats {
  hits: number;
  misses: number;
  sets: number;
  /** Calls that threw or timed out. */
  errors: number;
  /** Calls not made because the tier's circuit was open. */
  skipped: number;
  healthy: boolean;
  lastError?: string;
}

export interface CacheStats extends Omit<NamespaceStats, 'entries' | 'bytes'> {
  /** Entries of the tier holding most (lower tiers usually hold everything the upper ones do). */
  entries: number;
  /** Bytes and caps of the in-process (memory) tiers. */
  memoryBytes: number;
  memoryMaxBytes: number;
  corrupt: number;
  errors: number;
  tiers: Record<string, TierCacheStats>;
  namespaces: Record<string, NamespaceStats>;
}

interface NsCounters {
  hits: number;
  misses: number;
  staleHits: number;
  sets: number;
  deletes: number;
  evictions: number;
  bytesBeforeCompression: number;
  bytesAfterCompression: number;
}

const rate = (hits: number, total: number): number => (total === 0 ? 0 : hits / total);

/** Counters the tiered cache keeps; stores report their own sizes. */
export function createStats() {
  const ns = new Map<string, NsCounters>();
  const tiers = new Map<
    string,
    { hits: number; misses: number; sets: number; corrupt: number; evictions: number }
  >();
  const nsOf = (name: string): NsCounters => {
    let c = ns.get(name);
    if (!c) {
      c = {
        hits: 0,
        misses: 0,
        staleHits: 0,
        sets: 0,
        deletes: 0,
        evictions: 0,
        bytesBeforeCompression: 0,
        bytesAfterCompression: 0,
      };
      ns.set(name, c);
    }
    return c;
  };
  const tierOf = (name: string) => {
    let c = tiers.get(name);
    if (!c) {
      c = { hits: 0, misses: 0, sets: 0, corrupt: 0, evictions: 0 };
      tiers.set(name, c);
    }
    return c;
  };

  return {
    lookup(namespace: string, outcome: 'hit' | 'miss' | 'stale', tier?: string): void {
      const c = nsOf(namespace);
      if (outcome === 'hit') c.hits++;
      else if (outcome === 'stale') c.staleHits++;
      else c.misses++;
      if (tier && outcome !== 'miss') tierOf(tier).hits++;
    },
    tierMiss(tier: string): void {
      tierOf(tier).misses++;
    },
    set(
      namespace: string,
      before: number,
      after: number,
      stores: readonly Store[],
      results: boolean[],
    ): void {
      const c = nsOf(namespace);
      c.sets++;
      c.bytesBeforeCompression += before;
      c.bytesAfterCompression += after;
      stores.forEach((s, i) => {
        if (results[i]) tierOf(s.name).sets++;
      });
    },
    deleted(namespace: string, n: number): void {
      nsOf(namespace).deletes += n;
    },
    evicted(tier: string, namespace: string): void {
      nsOf(namespace).evictions++;
      tierOf(tier).evictions++;
    },
    corrupted(tier: string): void {
      tierOf(tier).corrupt++;
    },
    snapshot(
      stores: readonly Store[],
      tierStats: (TierStats | undefined)[],
      guard: TierGuard,
      namespaceNames: string[],
    ): CacheStats {
      const out: CacheStats = {
        hits: 0,
        misses: 0,
        staleHits: 0,
        totalRequests: 0,
        hitRate: 0,
        sets: 0,
        deletes: 0,
        evictions: 0,
        bytesBeforeCompression: 0,
        bytesAfterCompression: 0,
        entries: 0,
        memoryBytes: 0,
        memoryMaxBytes: 0,
        corrupt: 0,
        errors: 0,
        tiers: {},
        namespaces: {},
      };
      const perNsSizes = tierStats.find((t) => t?.namespaces)?.namespaces;
      const namespaces = new Map<string, NamespaceStats>();
      for (const name of new Set([...namespaceNames, ...ns.keys()])) {
        const c = nsOf(name);
        const total = c.hits + c.staleHits + c.misses;
        const sizes = ownValue(perNsSizes, name);
        namespaces.set(name, {
          ...c,
          totalRequests: total,
          hitRate: rate(c.hits + c.staleHits, total),
          entries: sizes?.entries ?? 0,
          bytes: sizes?.bytes ?? 0,
        });
        for (const k of [
          'hits',
          'misses',
          'staleHits',
          'sets',
          'deletes',
          'bytesBeforeCompression',
          'bytesAfterCompression',
        ] as const) {
          out[k] += c[k];
        }
      }
      out.namespaces = dictOf(namespaces);
      out.totalRequests = out.hits + out.staleHits + out.misses;
      out.hitRate = rate(out.hits + out.staleHits, out.totalRequests);
      const tierOut = new Map<string, TierCacheStats>();
      stores.forEach((store, i) => {
        const own = tierStats[i] ?? {
          name: store.name,
          kind: store.kind,
          entries: 0,
          bytes: 0,
          maxBytes: 0,
          evictions: 0,
          rejected: 0,
          corrupt: 0,
          expired: 0,
        };
        const c = tierOf(store.name);
        const g = guard.state(store.name);
        const { namespaces: _n, ...sizes } = own;
        const tier: TierCacheStats = {
          ...sizes,
          name: store.name,
          kind: store.kind,
          hits: c.hits,
          misses: c.misses,
          sets: c.sets,
          corrupt: Math.max(own.corrupt, c.corrupt),
          evictions: Math.max(own.evictions, c.evictions),
          errors: g.errors,
          skipped: g.skipped,
          healthy: g.healthy,
          ...(g.lastError ? { lastError: g.lastError } : {}),
        };
        tierOut.set(store.name, tier);
        out.entries = Math.max(out.entries, own.entries);
        out.evictions += tier.evictions;
        out.corrupt += tier.corrupt;
        out.errors += g.errors;
        if (store.kind === 'memory') {
          out.memoryBytes += own.bytes;
          out.memoryMaxBytes += own.maxBytes;
        }
      });
      out.tiers = dictOf(tierOut);
      return out;
    },
  };
}
