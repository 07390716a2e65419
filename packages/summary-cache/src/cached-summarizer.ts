import { EventEmitter } from 'node:events';
import { optionChecker, systemClock } from '@gatecache/core';
import type { OptionChecker } from '@gatecache/core';
import { DEFAULTS } from './defaults';
import { summaryKey } from '@gatecache/cache-key';
import type {
  CachedSummarizeOptions,
  CachedSummarizer,
  CachedSummarizerOptions,
  SummarizerStats,
} from './types';

/**
 * Memoizes a summarizer in the cache's `summary` namespace under `summary:{input_hash}:{max_tokens}:{model}`.
 * The input hash covers the tenant scope, so one tenant cannot learn whether another's conversation was seen.
 * Concurrent identical calls share one summarizer call (lookup included); errors are never stored.
 */
export function cachedSummarizer(options: CachedSummarizerOptions): CachedSummarizer {
  const check: OptionChecker = optionChecker('cachedSummarizer');
  check.object('options', options);
  const { cache, summarize } = options;
  if (!cache) check.fail('cache', 'is required: a Cache from @gatecache/core createCache()');
  check.methods('cache', cache, ['get', 'set'], 'a Cache from @gatecache/core createCache()');
  if (summarize === undefined)
    check.fail('summarize', 'is required: a function (input, { maxTokens, model })');
  check.fn('summarize', summarize);
  const defaultTenant = check.string('tenant', options.tenant, DEFAULTS.cachedSummarizer.tenant);
  const salt = options.keySalt ?? summarize.id ?? '';
  if (typeof salt !== 'string') check.fail('keySalt', 'must be a string');
  check.positive('ttl', options.ttl);
  const ttl = options.ttl;
  check.methods('clock', options.clock, ['now'], 'a Clock');
  const clock = options.clock ?? systemClock;

  const events = new EventEmitter();
  const counts = { hits: 0, misses: 0, summarizerCalls: 0, coalesced: 0, errors: 0 };
  // Covers the lookup as well as the call: a second caller arriving while the first still reads the cache
  // would otherwise miss too and call the summarizer again.
  const inflight = new Map<string, Promise<string>>();

  const keyOf = (input: string, o: CachedSummarizeOptions): string =>
    summaryKey({
      input: salt === '' ? input : { input, salt },
      maxTokens: o.maxTokens,
      model: o.model,
      tenant: o.tenant ?? defaultTenant,
    });

  async function lookupOrSummarize(key: string, input: string, o: CachedSummarizeOptions): Promise<string> {
    const started = clock.now();
    const tenant = o.tenant ?? defaultTenant;
    const entry = await cache.get(key);
    if (entry) {
      counts.hits++;
      events.emit('summarized', { key, model: o.model, tenant, source: 'cache', durationMs: 0 });
      return entry.body.toString('utf8');
    }
    counts.misses++;
    counts.summarizerCalls++;
    let summary: string;
    try {
      summary = await summarize(input, { maxTokens: o.maxTokens, model: o.model });
      if (typeof summary !== 'string') throw new TypeError('the summarizer returned no string');
    } catch (err) {
      counts.errors++;
      events.emit('summarize-error', { key, error: err });
      throw err;
    }
    await cache.set(
      key,
      { body: summary, model: o.model, tenant, kind: 'json', tags: ['summary'] },
      ttl !== undefined ? { ttl } : {},
    );
    events.emit('summarized', {
      key,
      model: o.model,
      tenant,
      source: 'summarizer',
      durationMs: clock.now() - started,
    });
    return summary;
  }

  const call = (input: string, o: CachedSummarizeOptions): Promise<string> => {
    if (typeof input !== 'string')
      return Promise.reject(new TypeError('cachedSummarizer: input must be a string'));
    const key = keyOf(input, o);
    const running = inflight.get(key);
    if (running) {
      counts.coalesced++;
      events.emit('summarized', {
        key,
        model: o.model,
        tenant: o.tenant ?? defaultTenant,
        source: 'coalesced',
        durationMs: 0,
      });
      return running;
    }
    const promise = lookupOrSummarize(key, input, o).finally(() => inflight.delete(key));
    inflight.set(key, promise);
    return promise;
  };

  const stats = (): SummarizerStats => ({ ...counts, callsAvoided: counts.hits + counts.coalesced });
  return Object.assign(call, { keyOf, stats, events });
}
