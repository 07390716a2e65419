import { DEFAULT_MAX_ENTRY_BYTES } from '@gatecache/providers';

/**
 * Every default of this package's factories, in one place; the option docs and the README point here.
 * Defaults that follow another option (a budget's `perCycle` is the batch size) are described, not repeated.
 */
export const DEFAULTS = Object.freeze({
  accessTracker: Object.freeze({
    window: 3600,
    patternWindow: 3600,
    buckets: 12,
    topK: 256,
    sketchWidth: 2048,
    sketchDepth: 4,
    /** `shared: {...}`; `maxKeys` defaults to `maxKeysPerTopK` x `topK`, `maxPending` to `maxKeys`. */
    shared: Object.freeze({
      keyPrefix: 'gatecache:',
      flushIntervalMs: 5000,
      maxKeysPerTopK: 4,
      timeoutMs: 2000,
    }),
  }),
  cacheWarmer: Object.freeze({
    enabled: true,
    interval: 300,
    namespaces: Object.freeze(['models', 'config']) as readonly string[],
    preloadPopular: true,
    preloadThreshold: 5,
    refreshAhead: 60,
    maxConcurrent: 4,
    batchSize: 20,
    /** `budget.perCycle` defaults to `batchSize`; tokens and cost are unlimited unless set. */
    budget: Object.freeze({ perHour: 1000 }),
    excludeTenants: Object.freeze([]) as readonly string[],
    /** OpenAI fine-tunes belong to one organisation. */
    excludeModels: Object.freeze(['ft:*']) as readonly string[],
    predictive: false,
    predictionModel: 'linear_regression' as const,
    timeoutMs: 120_000,
    /** The response cache's, so the two agree on what is too large to store. */
    maxEntryBytes: DEFAULT_MAX_ENTRY_BYTES,
  }),
  tuningAdvisor: Object.freeze({
    enabled: true,
    maxSamples: 1024,
    maxEntries: 1_048_576,
    ttls: Object.freeze([60, 300, 900, 1800, 3600, 7200, 21600, 86400]) as readonly number[],
    tolerance: 0.02,
    maxNamespaces: 16,
    refreshInterval: 600,
  }),
  warmingRoutes: Object.freeze({ auth: true }),
});
