import { MB } from '@gatecache/core';

/** The guide's `invalidation:` switches that concern the tiers' own mechanisms. */
export interface InvalidationSwitches {
  /** Tiers drop entries past their stale window (on read, and in the disk sweep). Default true. */
  ttl_enabled?: boolean;
  /** Least-recently-used eviction. Default true; see `TierPolicy.warnings` for what `false` can mean. */
  lru_enabled?: boolean;
  /** Tiers are bounded by bytes (`max_size_mb`). Default true. */
  size_based?: boolean;
  /** Seconds no entry's freshness plus stale window may exceed (data retention). Default none. */
  max_ttl?: number;
}

/** Options of one tier that the switches decide. `maxSizeMb` absent: keep the tier's configured cap. */
export interface TierSwitchOptions {
  honorTtl: boolean;
  /** Set only when `size_based: false`: the largest cap the store accepts, i.e. no size bound. */
  maxSizeMb?: number;
  /** Whether the tier is bounded at all (by TTL or by bytes). */
  bounded: boolean;
}

export interface TierPolicy {
  /** Spread into `memoryStore({ ... })` (`bounded` is informational and ignored there). */
  memory: TierSwitchOptions;
  /** Spread into `diskStore({ path, ... })`. `honorTtl: false` also stops its expiry sweep. */
  disk: TierSwitchOptions;
  /** Spread into `createCache({ tiers, ... })`. */
  cache: { maxTtl?: number };
  /** Whether least-recently-used eviction runs (it does whenever a tier is byte-bounded). */
  lru: boolean;
  /** Start-up warnings: log each one (a tier left unbounded, a switch that cannot be honoured). */
  warnings: string[];
}

/**
 * The memoryStore and diskStore both take a cap in MB and refuse none; this is the largest they accept
 * (bytes stay a safe integer), so "no size bound" is a cap no process reaches.
 */
export const UNBOUNDED_MB: number = Math.floor(Number.MAX_SAFE_INTEGER / MB);

function flag(name: keyof InvalidationSwitches, value: unknown): boolean {
  if (value === undefined) return true;
  if (typeof value !== 'boolean') throw new Error(`tierPolicyFromConfig: ${name} must be a boolean`);
  return value;
}

/**
 * Turn the guide's `ttl_enabled`, `lru_enabled`, `size_based` and `max_ttl` into the options the core and
 * store factories take, plus the warnings to log at start-up. Neither memoryStore nor diskStore can turn
 * LRU off while it is byte-bounded (eviction in least-recent order is what enforces the cap), so
 * `lru_enabled: false` with `size_based: true` keeps LRU and warns; with `size_based: false` nothing is
 * evicted, so LRU is off in effect.
 */
export function tierPolicyFromConfig(switches: InvalidationSwitches = {}): TierPolicy {
  if (switches === null || typeof switches !== 'object') {
    throw new Error('tierPolicyFromConfig: switches must be an object');
  }
  const ttl = flag('ttl_enabled', switches.ttl_enabled);
  const lruWanted = flag('lru_enabled', switches.lru_enabled);
  const sized = flag('size_based', switches.size_based);
  const maxTtl = switches.max_ttl;
  if (maxTtl !== undefined && !(typeof maxTtl === 'number' && Number.isFinite(maxTtl) && maxTtl > 0)) {
    throw new Error(
      `tierPolicyFromConfig: max_ttl must be a positive number of seconds (got ${String(maxTtl)})`,
    );
  }

  const tier = (): TierSwitchOptions => ({
    honorTtl: ttl,
    ...(sized ? {} : { maxSizeMb: UNBOUNDED_MB }),
    bounded: ttl || sized,
  });
  const memory = tier();
  const disk = tier();
  const warnings: string[] = [];
  if (!ttl && !sized) {
    for (const name of ['memory', 'disk']) {
      warnings.push(
        `invalidation: ttl_enabled and size_based are both false: the ${name} tier is unbounded ` +
          '(entries are never expired nor evicted) and grows until the process or the disk runs out',
      );
    }
  }
  if (!lruWanted && sized) {
    warnings.push(
      'invalidation.lru_enabled: false cannot be honoured: the memory and disk tiers are bounded by bytes ' +
        '(size_based: true) and least-recently-used eviction is what keeps them under their cap; LRU stays on',
    );
  }
  if (!ttl && maxTtl !== undefined) {
    warnings.push(
      'invalidation.max_ttl: no entry is served past max_ttl, but with ttl_enabled: false expired entries ' +
        'stay stored until evicted, so the retention limit is not enforced on storage',
    );
  }
  return {
    memory,
    disk,
    cache: maxTtl !== undefined ? { maxTtl } : {},
    lru: sized,
    warnings,
  };
}
