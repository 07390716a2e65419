import { ownValue, setOwn } from '@gatecache/core';
import type { Profile } from './schema';

/**
 * The guide's deployment advice as defaults per environment, merged UNDER the file so the file always wins;
 * only global values, so a file's global value still reaches every namespace without its own.
 */
export const PROFILE_DEFAULTS: Record<Profile, Record<string, unknown>> = {
  // Fast feedback on a laptop: memory only, short TTLs, no background upstream calls.
  development: {
    caching: { default_ttl: 60, enable_validation: false },
    warming: { enabled: false },
    disk: { enabled: false },
    monitoring: { metrics_interval: 15, enable_detailed_stats: true },
  },
  // Production-like, but one instance is fine.
  staging: {
    caching: { enable_validation: true },
    monitoring: { metrics_interval: 30 },
  },
  // Shared Redis tier expected, periodic validation, stricter hit-rate alert, admin token required.
  production: {
    caching: { enable_validation: true },
    monitoring: { hit_rate_threshold: 0.8, enable_detailed_stats: false },
    security: { require_admin_token: true },
  },
};

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `over` wins; mappings merge key by key, lists and scalars replace. */
export function mergeUnder(
  under: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...under };
  for (const [k, v] of Object.entries(over)) {
    const under = ownValue(out, k);
    setOwn(out, k, isPlainObject(v) && isPlainObject(under) ? mergeUnder(under, v) : v);
  }
  return out;
}

/** Warnings a profile gives about a configuration that runs but goes against its advice. */
export function profileWarnings(profile: Profile | undefined, redisEnabled: boolean): string[] {
  if (profile === 'production' && !redisEnabled) {
    return [
      'profile production: redis.enabled is false, so every instance keeps its own cache and purges reach only ' +
        'this instance; set redis.enabled: true (REDIS_URL) for a multi-instance deployment',
    ];
  }
  return [];
}
