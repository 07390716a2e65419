import { DEFAULT_COMPRESSION } from './codec';
import type { CompressionOptions } from './codec';

/**
 * Every default of @gatecache/core's factories, in one place; option docs and the README point here. Frozen:
 * a caller that wants other values passes options.
 */
export const DEFAULTS = Object.freeze({
  createCache: Object.freeze({
    /** Applied to a namespace (or key outside any namespace) that sets none of its own. */
    namespace: Object.freeze({
      ttl: 1800,
      staleWhileRevalidate: 0,
      staleIfError: 0,
      // zstd 3 where the running Node has zstd (22.15+), else gzip 6: see DEFAULT_COMPRESSION.
      compression: DEFAULT_COMPRESSION as Readonly<CompressionOptions>,
      encrypt: false,
    }),
    /** The built-in namespaces' own settings, over `namespace`. */
    namespaces: Object.freeze({
      response: Object.freeze({ ttl: 1800 }),
      summary: Object.freeze({ ttl: 3600 }),
      models: Object.freeze({ ttl: 300 }),
      config: Object.freeze({ ttl: 600, compression: false as const }),
    }),
    /** No cap on freshness plus stale window. */
    maxTtl: Infinity,
  }),
  memoryStore: Object.freeze({
    name: 'memory',
    maxSizeMb: 100,
    entryOverheadBytes: 256,
    encoded: false,
    honorTtl: true,
  }),
  tierGuard: Object.freeze({ timeoutMs: 200, failureThreshold: 3, cooldownMs: 5000 }),
});
