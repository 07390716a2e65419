import { createCache } from '@gatecache/core';
import { DEFAULTS, accessTracker, cacheWarmer, tuningAdvisor, warmingRoutes } from '../src';
import type { CacheWarmerOptions } from '../src';

describe('options', () => {
  const cache = createCache();
  const tracker = accessTracker({ cache });
  const replay = async (): Promise<never> => Promise.reject(new Error('not called'));
  const warmer = (extra: Partial<CacheWarmerOptions>) => () =>
    cacheWarmer({ cache, tracker, replay, enabled: false, ...extra } as CacheWarmerOptions);
  afterAll(() => tracker.close());

  it.each([
    [
      warmer({ budget: { perHour: -1 } }),
      /^cacheWarmer: budget\.perHour must be an integer >= 0 \(got -1\)$/,
    ],
    [warmer({ budget: { perCycle: 1.5 } }), /^cacheWarmer: budget\.perCycle must be an integer >= 0/],
    [warmer({ budget: 5 as never }), /^cacheWarmer: budget must be an object/],
    [warmer({ interval: 0 }), /^cacheWarmer: interval must be a positive number/],
    [warmer({ batchSize: 0 }), /^cacheWarmer: batchSize must be a positive integer/],
    [warmer({ enabled: 'yes' as never }), /^cacheWarmer: enabled must be a boolean/],
    [
      warmer({ predictionModel: 'arima' as never }),
      /^cacheWarmer: predictionModel must be one of "linear_regression"/,
    ],
    [warmer({ excludeModels: 'ft:*' as never }), /^cacheWarmer: excludeModels must be an array of strings/],
    [warmer({ exclude: 1 as never }), /^cacheWarmer: exclude must be a function/],
    [warmer({ tracker: {} as never }), /^cacheWarmer: tracker must be an accessTracker\(\)/],
    [() => accessTracker({ topK: 0 }), /^accessTracker: topK must be a positive integer \(got 0\)$/],
    [() => accessTracker({ window: -1 }), /^accessTracker: window must be a positive number/],
    [
      () => accessTracker({ shared: { flushIntervalMs: 1 } as never }),
      /^accessTracker: shared needs exactly one of/,
    ],
    [() => tuningAdvisor({ tolerance: 1 }), /^tuningAdvisor: tolerance must be below 1/],
    [() => tuningAdvisor({ maxSamples: 0 }), /^tuningAdvisor: maxSamples must be a positive integer/],
    [() => tuningAdvisor({ ttls: [] }), /^tuningAdvisor: ttls must be a non-empty array/],
    [() => tuningAdvisor({ enabled: 0 as never }), /^tuningAdvisor: enabled must be a boolean/],
    [() => warmingRoutes({} as never), /^warmingRoutes: warmer is required/],
  ])('%#: a bad option throws a TypeError naming it', (run, message) => {
    expect(run).toThrow(TypeError);
    expect(run).toThrow(message);
  });

  it('holds every default in DEFAULTS', () => {
    expect(DEFAULTS.cacheWarmer.namespaces).toEqual(['models', 'config']);
    expect(DEFAULTS.accessTracker.topK).toBe(256);
    expect(Object.isFrozen(DEFAULTS.tuningAdvisor)).toBe(true);
  });
});
