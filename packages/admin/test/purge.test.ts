import { createCache, memoryStore } from '@gatecache/core';
import type { CacheEvents, Store } from '@gatecache/core';
import { executePurge, exactGlob } from '../src/purge';
import { planPurge } from '../src/purge-spec';
import type { InvalidationMessage } from '../src/types';
import { SEED, find, keysByTier, seedCache, without } from './helpers';

const ctx = (
  cache: ReturnType<typeof createCache>,
  bus?: { publish(m: InvalidationMessage): Promise<void> },
) => ({
  cache,
  batch: 2,
  ...(bus ? { bus } : {}),
});

describe('executePurge', () => {
  it('removes scan-selected keys through cache.deleteMany: one delete event per key, never a pattern', async () => {
    const cache = createCache({ tiers: [memoryStore(), memoryStore({ name: 'l2', encoded: true })] });
    await seedCache(cache);
    const events: CacheEvents['delete'][] = [];
    cache.on('delete', (e) => events.push(e));
    const outcome = await executePurge(ctx(cache), planPurge({ tag: 'team:a' }), false);
    const gone = [find(':h1'), find(':h4'), 'summary:ih1:100:gpt-4o'];
    expect(outcome).toEqual({ deleted: 3, byTier: { memory: 3, l2: 3 }, dryRun: false, errors: {} });
    expect(events.map((e) => e.key).sort()).toEqual([...gone].sort());
    expect(events.every((e) => !e.pattern && e.deleted)).toBe(true);
    expect(await keysByTier(cache)).toEqual({ memory: without(...gone), l2: without(...gone) });
    expect((await cache.stats()).namespaces.response?.deletes).toBe(2);
  });

  it('uses the cache pattern delete for an exact glob', async () => {
    const cache = createCache({ tiers: [memoryStore()] });
    await seedCache(cache);
    const events: CacheEvents['delete'][] = [];
    cache.on('delete', (e) => events.push(e));
    const outcome = await executePurge(ctx(cache), planPurge({ pattern: 'models:*' }), false);
    expect(outcome.deleted).toBe(2);
    expect(events).toEqual([{ key: 'models:*', namespace: 'models', pattern: true, deleted: true }]);
  });

  it('counts per tier and removes nothing on a dry run', async () => {
    const cache = createCache({ tiers: [memoryStore(), memoryStore({ name: 'l2' })] });
    await seedCache(cache);
    await cache.tiers[0]?.delete('models:openai:mh1');
    const outcome = await executePurge(
      ctx(cache),
      planPurge({ provider: 'openai', namespace: 'models' }),
      true,
    );
    expect(outcome).toEqual({ deleted: 1, byTier: { memory: 0, l2: 1 }, dryRun: true, errors: {} });
    expect((await keysByTier(cache)).l2).toContain('models:openai:mh1');
  });

  it('reports a failing tier and still purges the others', async () => {
    const healthy = memoryStore();
    const inner = memoryStore({ name: 'broken' });
    const broken: Store = {
      ...inner,
      delete() {
        throw new Error('tier went away');
      },
    };
    const cache = createCache({ tiers: [healthy, broken] });
    await seedCache(cache);
    const outcome = await executePurge(ctx(cache), planPurge({ tag: 'team:b' }), false);
    expect(outcome.errors).toEqual({ broken: 'tier went away' });
    expect(outcome.byTier).toEqual({ memory: 2, broken: 0 });
    expect((await keysByTier(cache)).memory).toEqual(without(find(':h3'), find(':h5')));
  });

  it('publishes each removed key of a scan purge, and the glob of an exact one', async () => {
    const cache = createCache({ tiers: [memoryStore()] });
    await seedCache(cache);
    const sent: InvalidationMessage[] = [];
    const bus = { publish: async (m: InvalidationMessage) => void sent.push(m) };
    const scan = await executePurge(ctx(cache, bus), planPurge({ model: 'gpt-4o' }), false);
    expect(scan.published).toBe(true);
    expect(sent.map((m) => m.value).sort()).toEqual([find(':h1'), 'summary:ih1:100:gpt-4o'].sort());
    sent.length = 0;
    await executePurge(ctx(cache, bus), planPurge({ namespace: 'config' }), false);
    expect(sent).toEqual([{ type: 'pattern', value: 'config:*' }]);
  });

  it('says published: false when the bus fails, after purging locally', async () => {
    const cache = createCache({ tiers: [memoryStore()] });
    await seedCache(cache);
    const bus = { publish: () => Promise.reject(new Error('redis down')) };
    const outcome = await executePurge(ctx(cache, bus), planPurge({ tag: 'team:a' }), false);
    expect(outcome.published).toBe(false);
    expect(outcome.deleted).toBe(3);
  });

  it('does not promote the entries it reads for tags in the memory LRU order', async () => {
    const cache = createCache({ tiers: [memoryStore()] });
    await seedCache(cache);
    const before: string[] = [];
    for await (const k of (cache.tiers[0] as Store).keys('*')) before.push(k);
    await executePurge(ctx(cache), planPurge({ tag: 'no-such-tag' }), false);
    const after: string[] = [];
    for await (const k of (cache.tiers[0] as Store).keys('*')) after.push(k);
    expect(after).toEqual(before);
    expect(after).toHaveLength(SEED.length);
  });
});

describe('exactGlob', () => {
  it('escapes glob characters so the glob names one key', () => {
    expect(exactGlob('a*b?[c]\\d')).toBe('a\\*b\\?\\[c\\]\\\\d');
  });
});
