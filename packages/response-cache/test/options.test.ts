import { createCache } from '@gatecache/core';
import type { DistributedLock } from '@gatecache/core';
import { DEFAULTS, responseCache } from '../src';
import type { ResponseCacheOptions } from '../src';
import { memoryLock } from './helpers/lock';

// Options are checked once, at creation: a bad value throws a TypeError that names its path.

const cache = createCache();
const create = (options: Record<string, unknown>) =>
  responseCache({ cache, ...options } as unknown as ResponseCacheOptions);

describe('responseCache options', () => {
  it.each([
    ['cache', {}, /^responseCache: cache must be a Cache/],
    [
      'determinism',
      { determinism: 'some' },
      /^responseCache: determinism must be one of "all", "deterministic" \(got "some"\)/,
    ],
    [
      'cacheUnknownEndpoints',
      { cacheUnknownEndpoints: 'yes' },
      /^responseCache: cacheUnknownEndpoints must be a boolean/,
    ],
    ['ttl', { ttl: -5 }, /^responseCache: ttl must be seconds >= 0/],
    ['shouldCache', { shouldCache: true }, /^responseCache: shouldCache must be a function/],
    ['shareShapes', { shareShapes: 1 }, /^responseCache: shareShapes must be a boolean/],
    ['logger', { logger: {} }, /^responseCache: logger must be a Logger/],
    [
      'requestNamespaces',
      { requestNamespaces: 'response' },
      /^responseCache: requestNamespaces must be an array/,
    ],
    [
      'requestNamespaces[0]',
      { requestNamespaces: ['nowhere'] },
      /^responseCache: requestNamespaces\[0\] must name a namespace/,
    ],
    ['variants', { variants: 2 }, /^responseCache: variants must be an object/],
    [
      'variants.count',
      { variants: { count: 0 } },
      /^responseCache: variants\.count must be a positive integer/,
    ],
    ['variants.random', { variants: { random: 0.5 } }, /^responseCache: variants\.random must be a function/],
    [
      'limits.bodyBytes',
      { limits: { bodyBytes: -1 } },
      /^responseCache: limits\.bodyBytes must be an integer >= 0/,
    ],
    [
      'limits.entryBytes',
      { limits: { entryBytes: 1.5 } },
      /^responseCache: limits\.entryBytes must be an integer >= 0/,
    ],
    [
      'timeouts.upstreamMs',
      { timeouts: { upstreamMs: 0 } },
      /^responseCache: timeouts\.upstreamMs must be a positive integer/,
    ],
    [
      'timeouts.followerWaitMs',
      { timeouts: { followerWaitMs: 0 } },
      /^responseCache: timeouts\.followerWaitMs must be a positive integer/,
    ],
    [
      'timeouts.drainAfterCloseMs',
      { timeouts: { drainAfterCloseMs: -1 } },
      /^responseCache: timeouts\.drainAfterCloseMs must be an integer >= 0/,
    ],
    [
      'lock',
      { lock: memoryLock() },
      /^responseCache: lock\.(acquire|waitForRelease|acquired) is not an option/,
    ],
    ['lock.backend', { lock: { ttlMs: 5 } }, /^responseCache: lock\.backend must be a DistributedLock/],
    [
      'lock.ttlMs',
      { lock: { backend: memoryLock(), ttlMs: 0 } },
      /^responseCache: lock\.ttlMs must be a positive integer/,
    ],
    [
      'lock.waitMs',
      { lock: { backend: memoryLock(), waitMs: 'long' } },
      /^responseCache: lock\.waitMs must be a positive integer/,
    ],
    [
      'headers.exposeKey',
      { headers: { exposeKey: 'no' } },
      /^responseCache: headers\.exposeKey must be a boolean/,
    ],
    [
      'headers.store',
      { headers: { store: 'x-a' } },
      /^responseCache: headers\.store must be an array of header names/,
    ],
    [
      'headers.store (a refused name)',
      { headers: { store: ['Set-Cookie'] } },
      /^responseCache: headers\.store cannot include "set-cookie"/,
    ],
    ['recipes.record', { recipes: { record: 1 } }, /^responseCache: recipes\.record must be a boolean/],
    [
      'recipes.headers',
      { recipes: { headers: ['x-api-key'] } },
      /^responseCache: recipes\.headers cannot include "x-api-key": it may carry a credential/,
    ],
    [
      'recipes.maxBytes',
      { recipes: { maxBytes: -1 } },
      /^responseCache: recipes\.maxBytes must be an integer >= 0/,
    ],
    [
      'accounting.pricing.m',
      { accounting: { pricing: { m: { input: -1, output: 1 } } } },
      /^responseCache: accounting\.pricing\.m must be \{ input, output \}/,
    ],
    [
      'accounting.labelLimits.tenants',
      { accounting: { labelLimits: { tenants: -1 } } },
      /^responseCache: accounting\.labelLimits\.tenants must be an integer >= 0/,
    ],
    [
      'a member a group lacks',
      { timeouts: { upstream: 5 } },
      /^responseCache: timeouts\.upstream is not an option \(timeouts has upstreamMs, followerWaitMs, drainAfterCloseMs\)/,
    ],
    ['an unknown option', { cachee: cache }, /^responseCache: cachee is not an option$/],
  ])('throws a TypeError naming %s', (_path, options, message) => {
    const make = () => (_path === 'cache' ? responseCache(options as never) : create(options));
    expect(make).toThrow(TypeError);
    expect(make).toThrow(message);
  });

  // The flat options of earlier releases, each with the path that replaced it (which must exist in DEFAULTS).
  const moved =
    `maxBodyBytes:limits.bodyBytes maxEntryBytes:limits.entryBytes upstreamTimeoutMs:timeouts.upstreamMs
    followerWaitMs:timeouts.followerWaitMs drainAfterCloseMs:timeouts.drainAfterCloseMs lockTtlMs:lock.ttlMs
    lockWaitMs:lock.waitMs exposeKey:headers.exposeKey storeHeaders:headers.store recordRecipes:recipes.record
    recipeHeaders:recipes.headers recipeMaxBytes:recipes.maxBytes pricing:accounting.pricing
    labelLimits:accounting.labelLimits random:variants.random`
      .split(/\s+/)
      .map((pair) => pair.split(':') as [string, string]);

  it.each(moved)('names the new place of the flat option %s (%s)', (old, path) => {
    const [group, member] = path.split('.') as [keyof typeof DEFAULTS, string];
    expect(DEFAULTS[group]).toHaveProperty(member);
    expect(() => create({ [old]: 1 })).toThrow(
      `responseCache: ${old} is not an option any more: use ${path}`,
    );
  });

  it('sends a clock to the cache, whose clock it uses', () => {
    expect(() => create({ clock: { now: () => 0 } })).toThrow(
      "responseCache: clock is not an option any more: use the cache's clock",
    );
  });

  it('accepts every group at its defaults, and a lock', () => {
    const lock: DistributedLock = memoryLock();
    const mw = create({
      variants: { ...DEFAULTS.variants },
      limits: { ...DEFAULTS.limits },
      timeouts: { ...DEFAULTS.timeouts },
      lock: { backend: lock, ...DEFAULTS.lock },
      headers: { exposeKey: DEFAULTS.headers.exposeKey, store: ['x-trace'] },
      recipes: { record: DEFAULTS.recipes.record, headers: ['x-team'], maxBytes: DEFAULTS.recipes.maxBytes },
      accounting: {
        pricing: { m: { input: 1, output: 2 } },
        labelLimits: { ...DEFAULTS.accounting.labelLimits },
      },
    });
    expect(mw.stats().lock).toBeDefined();
  });

  it('keeps its defaults frozen', () => {
    expect(Object.isFrozen(DEFAULTS)).toBe(true);
    expect(Object.isFrozen(DEFAULTS.timeouts)).toBe(true);
    expect(Object.isFrozen(DEFAULTS.requestNamespaces)).toBe(true);
  });
});
