import { randomBytes } from 'node:crypto';
import { createCache } from '../src/cache';
import type { CacheOptions } from '../src/cache';
import { DEFAULTS } from '../src/defaults';
import { createKeyring } from '../src/codec';
import { memoryStore } from '../src/memory-store';
import type { Store, StoredRecord } from '../src/types';
import { manualClock, slowCounted } from './helpers';

/** A second in-memory tier that behaves like a tier at rest (receives encoded records). */
function encodedTier(name = 'lower'): Store & { records: Map<string, StoredRecord> } {
  const inner = memoryStore({ name, encoded: true, maxSizeMb: 10 });
  const records = new Map<string, StoredRecord>();
  const innerSet = inner.set.bind(inner);
  return Object.assign(inner, {
    records,
    set(record: StoredRecord) {
      records.set(record.meta.key, record);
      return innerSet(record);
    },
  });
}

const fail = (): never => {
  throw new Error('tier is down');
};

/** A tier that fails every call, the way a dead disk or Redis does. */
function brokenTier(mode: 'throw' | 'hang'): Store {
  const op = mode === 'throw' ? fail : () => new Promise<never>(() => undefined);
  return {
    name: `broken-${mode}`,
    kind: 'test',
    encoded: true,
    get: op,
    set: op,
    delete: op,
    has: op,
    clear: op,
    stats: op,
    close: () => undefined,
    async *keys() {
      yield* [] as string[];
      fail();
    },
  } as Store;
}

describe('createCache', () => {
  it('stores and returns an entry with its metadata', async () => {
    const clock = manualClock(0);
    const cache = createCache({ clock });
    await cache.set(
      'response:k',
      { body: '{"a":1}', status: 200, kind: 'json', model: 'm', tags: ['t'] },
      { ttl: 60 },
    );
    clock.advance(10_000);
    const entry = await cache.get('response:k');
    expect(entry?.body.toString()).toBe('{"a":1}');
    expect(entry).toMatchObject({
      status: 200,
      kind: 'json',
      model: 'm',
      tags: ['t'],
      age: 10,
      ttl: 50,
      stale: false,
      tier: 'memory',
    });
  });

  it('reads tiers in order and promotes a lower-tier hit to the tiers above', async () => {
    const top = memoryStore({ name: 'top' });
    const lower = encodedTier();
    const cache = createCache({ tiers: [top, lower] });
    await cache.set('response:k', { body: 'x'.repeat(5000) });
    await top.clear();
    const entry = await cache.get('response:k');
    expect(entry?.tier).toBe('lower');
    expect(entry?.body.toString()).toBe('x'.repeat(5000));
    await new Promise((r) => setImmediate(r));
    expect(top.get('response:k')).toBeDefined();
    expect((await cache.get('response:k'))?.tier).toBe('top');
  });

  it('hands encoded tiers compressed bodies and keeps the memory tier plain', async () => {
    const top = memoryStore();
    const lower = encodedTier();
    const cache = createCache({
      tiers: [top, lower],
      namespaces: { response: { compression: { algorithm: 'br' } } },
    });
    await cache.set('response:k', { body: 'y'.repeat(5000) });
    expect(lower.records.get('response:k')?.meta.encoding).toBe('br');
    expect((top.get('response:k') as StoredRecord).meta.encoding).toBe('identity');
    const stats = await cache.stats();
    expect(stats.namespaces.response!.bytesBeforeCompression).toBe(5000);
    expect(stats.namespaces.response!.bytesAfterCompression).toBeLessThan(200);
  });

  it('encrypts at rest in namespaces that ask for it', async () => {
    const lower = encodedTier();
    const keyring = createKeyring({ k1: randomBytes(32) }, 'k1');
    const cache = createCache({
      tiers: [memoryStore(), lower],
      keyring,
      namespaces: { summary: { encrypt: true } },
    });
    await cache.set('summary:k', { body: 'secret conversation' });
    expect(lower.records.get('summary:k')?.data.includes(Buffer.from('secret'))).toBe(false);
    expect(lower.records.get('summary:k')?.meta.encryption?.keyId).toBe('k1');
  });

  it('refuses to start when a namespace encrypts but no key is configured', () => {
    const saved = process.env.GATECACHE_ENCRYPTION_KEY;
    delete process.env.GATECACHE_ENCRYPTION_KEY;
    try {
      expect(() => createCache({ namespaces: { summary: { encrypt: true } } })).toThrow(
        /GATECACHE_ENCRYPTION_KEY/,
      );
    } finally {
      if (saved !== undefined) process.env.GATECACHE_ENCRYPTION_KEY = saved;
    }
  });

  it.each(['throw', 'hang'] as const)('skips a tier that %ss, never failing the caller', async (mode) => {
    const errors: string[] = [];
    const cache = createCache({ tiers: [memoryStore(), brokenTier(mode)], tierGuard: { timeoutMs: 20 } });
    cache.on('tier-error', (e) => errors.push(e.op));
    await expect(cache.set('response:k', { body: 'v' })).resolves.toBe(true);
    await expect(cache.get('response:k')).resolves.toMatchObject({ tier: 'memory' });
    await expect(cache.get('response:missing')).resolves.toBeUndefined();
    await expect(cache.delete('response:k')).resolves.toBe(true);
    const stats = await cache.stats();
    expect(stats.tiers[`broken-${mode}`]!.errors).toBeGreaterThanOrEqual(3);
    expect(stats.tiers[`broken-${mode}`]!.healthy).toBe(false);
    expect(errors).toContain('set');
  });

  it('closes a tier whose breaker is open (its connection must not outlive the cache)', async () => {
    let closed = 0;
    const broken = { ...brokenTier('throw'), close: () => void closed++ };
    const cache = createCache({ tiers: [memoryStore(), broken], tierGuard: { failureThreshold: 1 } });
    await cache.get('response:k');
    expect((await cache.stats()).tiers['broken-throw']!.healthy).toBe(false);
    await cache.close();
    expect(closed).toBe(1);
  });

  it('treats a corrupt lower-tier entry as a miss, removes it and counts it', async () => {
    const lower = encodedTier();
    const cache = createCache({ tiers: [memoryStore({ name: 'top' }), lower] });
    const corrupt: string[] = [];
    cache.on('corrupt', (e) => corrupt.push(e.key));
    await cache.set('response:k', { body: 'z'.repeat(3000) });
    await cache.tiers[0]!.clear();
    const rec = lower.get('response:k') as StoredRecord;
    rec.data[5] = (rec.data[5] ?? 0) ^ 0xff;
    await expect(cache.get('response:k')).resolves.toBeUndefined();
    expect(corrupt).toEqual(['response:k']);
    await new Promise((r) => setImmediate(r));
    expect(lower.has('response:k')).toBe(false);
    expect((await cache.stats()).corrupt).toBe(1);
  });

  it('serves stale entries only when asked, within the stale window', async () => {
    const clock = manualClock(0);
    const cache = createCache({ clock, namespaces: { response: { ttl: 10, staleWhileRevalidate: 20 } } });
    await cache.set('response:k', { body: 'v' });
    clock.advance(15_000);
    await expect(cache.get('response:k')).resolves.toBeUndefined();
    await expect(cache.get('response:k', { allowStale: true })).resolves.toMatchObject({
      stale: true,
      ttl: 0,
    });
    clock.advance(20_000);
    await expect(cache.get('response:k', { allowStale: true })).resolves.toBeUndefined();
    const stats = await cache.stats();
    expect(stats.namespaces.response).toMatchObject({ misses: 2, staleHits: 1 });
  });

  it('keeps TTLs longer than setTimeout can count (24.8 days)', async () => {
    const clock = manualClock(0);
    const cache = createCache({ clock });
    await cache.set('response:k', { body: 'v' }, { ttl: 40 * 86400 });
    clock.advance(39 * 86400 * 1000);
    await expect(cache.get('response:k')).resolves.toBeDefined();
    clock.advance(2 * 86400 * 1000);
    await expect(cache.get('response:k')).resolves.toBeUndefined();
  });

  it('caps freshness and stale windows at maxTtl', async () => {
    const clock = manualClock(0);
    const cache = createCache({ clock, maxTtl: 60, namespaces: { response: { staleIfError: 3600 } } });
    await cache.set('response:k', { body: 'v' }, { ttl: 86400 });
    clock.advance(61_000);
    await expect(cache.get('response:k', { allowStale: true })).resolves.toBeUndefined();
  });

  it('getOrSet answers the timing set stored: maxTtl and stale windows included', async () => {
    const clock = manualClock(1_000);
    const cache = createCache({ clock, maxTtl: 60, namespaces: { response: { staleIfError: 30 } } });
    const loaded = await cache.getOrSet('response:k', async () => ({ body: 'v' }), { ttl: 45 });
    const stored = await cache.get('response:k');
    expect(loaded.expiresAt).toBe(46_000);
    expect(loaded.staleUntil).toBe(61_000);
    expect(loaded.ttl).toBe(45);
    expect({ expiresAt: stored?.expiresAt, staleUntil: stored?.staleUntil }).toEqual({
      expiresAt: loaded.expiresAt,
      staleUntil: loaded.staleUntil,
    });
    const capped = await cache.getOrSet('response:long', async () => ({ body: 'v' }), { ttl: 86400 });
    expect(capped.expiresAt).toBe(61_000);
    expect(capped.staleUntil).toBe(61_000);
    expect(capped.ttl).toBe(60);
  });

  it('coalesces concurrent getOrSet calls into one loader call', async () => {
    const cache = createCache();
    const loader = slowCounted(20, () => ({ body: 'loaded' }));
    const results = await Promise.all(
      Array.from({ length: 100 }, () => cache.getOrSet('response:k', loader)),
    );
    expect(loader.calls).toBe(1);
    expect(results.every((r) => r.body.toString() === 'loaded')).toBe(true);
    expect((await cache.get('response:k'))?.body.toString()).toBe('loaded');
  });

  it('hands a loader error to every waiter and caches nothing', async () => {
    const cache = createCache();
    const loader = slowCounted(10, () => {
      throw new Error('provider 500');
    });
    const results = await Promise.allSettled([
      cache.getOrSet('response:k', loader),
      cache.getOrSet('response:k', loader),
    ]);
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    expect(loader.calls).toBe(1);
    await expect(cache.has('response:k')).resolves.toBe(false);
  });

  it('purges by glob on every tier and reports counts per tier', async () => {
    const cache = createCache({ tiers: [memoryStore(), encodedTier()] });
    for (const k of ['response:openai:a', 'response:anthropic:b', 'summary:c'])
      await cache.set(k, { body: k });
    const result = await cache.deleteMatching('response:*');
    expect(result).toEqual({ deleted: 2, byTier: { memory: 2, lower: 2 } });
    const left: string[] = [];
    for await (const k of cache.keys()) left.push(k);
    expect(left).toEqual(['summary:c']);
  });

  it('purges a tier whose breaker is open instead of skipping it, and stops at its first failure', async () => {
    const clock = manualClock(0);
    const lower = encodedTier();
    const realGet = lower.get.bind(lower);
    let down = false;
    lower.get = (key) => {
      if (down) throw new Error('a slow moment');
      return realGet(key);
    };
    const cache = createCache({
      clock,
      tiers: [memoryStore(), lower],
      tierGuard: { failureThreshold: 1, cooldownMs: 60_000 },
    });
    for (const k of ['response:a', 'response:b']) await cache.set(k, { body: k });
    await cache.tiers[0]!.clear();
    down = true;
    await cache.get('response:a');
    down = false;
    expect((await cache.stats()).tiers.lower!.healthy).toBe(false);
    // Still inside the cooldown: a lookup would skip the tier, a purge must not.
    expect(await cache.deleteMatching('response:a')).toEqual({ deleted: 1, byTier: { memory: 0, lower: 1 } });
    expect(await cache.deleteMany(['response:b'])).toMatchObject({ byTier: { lower: 1 } });
    expect(lower.has('response:a') || lower.has('response:b')).toBe(false);

    const deletes: string[] = [];
    const broken = { ...brokenTier('throw'), delete: (k: string) => (deletes.push(k), fail()) };
    const withBroken = createCache({ tiers: [memoryStore(), broken as Store] });
    const r = await withBroken.deleteMany(['response:x', 'response:y', 'response:z']);
    expect(r.byTier['broken-throw']).toBe(0);
    expect(deletes).toEqual(['response:x']);
  });

  it('counts hits, misses, sets, deletes and evictions per namespace and tier', async () => {
    const cache = createCache({ tiers: [memoryStore({ maxSizeMb: 0.01 })] });
    const evicted: string[] = [];
    cache.on('evict', (e) => evicted.push(e.key));
    await cache.set('response:a', { body: 'a' });
    await cache.get('response:a');
    await cache.get('response:nope');
    await cache.get('summary:nope');
    await cache.delete('response:a');
    for (let i = 0; i < 20; i++) await cache.set(`models:${i}`, { body: 'm'.repeat(1000) });
    const stats = await cache.stats();
    expect(stats.namespaces.response).toMatchObject({
      hits: 1,
      misses: 1,
      sets: 1,
      deletes: 1,
      hitRate: 0.5,
    });
    expect(stats.namespaces.summary).toMatchObject({ hits: 0, misses: 1 });
    expect(stats.namespaces.models!.evictions).toBe(evicted.length);
    expect(evicted.length).toBeGreaterThan(0);
    expect(stats.tiers.memory).toMatchObject({ hits: 1, misses: 2, healthy: true });
    expect(stats).toMatchObject({ hits: 1, misses: 2, totalRequests: 3 });
  });

  it('rejects bad options with a TypeError naming the option path', () => {
    const bad: Array<[CacheOptions, RegExp]> = [
      [{ namespaces: { response: { ttl: -1 } } }, /^createCache: namespaces\.response\.ttl must be/],
      [{ tiers: [] }, /^createCache: tiers must hold at least one/],
      [{ tiers: [memoryStore(), memoryStore()] }, /^createCache: tiers has two stores named "memory"/],
      [{ maxTtl: Number.NaN }, /^createCache: maxTtl must be a finite number >= 0/],
      [{ defaults: { staleIfError: -5 } }, /^createCache: defaults\.staleIfError must be/],
      [
        { namespaces: { summary: { maxSizeMb: 0 } } },
        /^createCache: namespaces\.summary\.maxSizeMb must be a size/,
      ],
      [
        { namespaces: { summary: { encrypt: 'yes' as never } } },
        /^createCache: namespaces\.summary\.encrypt must be a boolean/,
      ],
      [
        { namespaces: { response: { compression: { algorithm: 'lz4' as never } } } },
        /^createCache: namespaces\.response\.compression\.algorithm must be one of "gzip", "br", "zstd"/,
      ],
      [
        { tierGuard: { failureThreshold: 1.5 } },
        /^createCache: tierGuard\.failureThreshold must be a positive integer/,
      ],
      [{ tierGuard: { timeoutMs: 0 } }, /^createCache: tierGuard\.timeoutMs must be a positive number/],
      [{ randomBytes: 'x' as never }, /^createCache: randomBytes must be a function/],
      [{ namespaces: { 'a b': {} } }, /^createCache: namespaces\.a b must be named by a word/],
    ];
    for (const [options, message] of bad) {
      expect(() => createCache(options)).toThrow(TypeError);
      expect(() => createCache(options)).toThrow(message);
    }
  });

  it('fills every namespace default from DEFAULTS', () => {
    const cache = createCache({ namespaces: { custom: {} } });
    const d = DEFAULTS.createCache;
    expect(cache.namespace('custom')).toMatchObject({
      ttl: d.namespace.ttl,
      staleWhileRevalidate: d.namespace.staleWhileRevalidate,
      staleIfError: d.namespace.staleIfError,
      compression: d.namespace.compression,
      encrypt: d.namespace.encrypt,
    });
    expect(cache.namespace('summary').ttl).toBe(d.namespaces.summary.ttl);
    expect(cache.namespace('config').compression).toBe(false);
  });

  it('reports every lookup with its duration, and counts only recorded ones as hits', async () => {
    const cache = createCache();
    const lookups: string[] = [];
    const hits: string[] = [];
    cache.on('lookup', (e) => {
      expect(e.durationMs).toBeGreaterThanOrEqual(0);
      lookups.push(`${e.key}:${e.outcome}`);
    });
    cache.on('hit', (e) => hits.push(e.key));
    await cache.set('response:a', { body: 'a' });
    await cache.get('response:a');
    await cache.get('response:a', { record: false });
    await cache.get('response:b');
    expect(lookups).toEqual(['response:a:hit', 'response:a:hit', 'response:b:miss']);
    expect(hits).toEqual(['response:a']);
    expect((await cache.stats()).hits).toBe(1);
  });

  it('deletes a list of keys from every tier', async () => {
    const cache = createCache({ tiers: [memoryStore(), encodedTier()] });
    for (const k of ['response:a', 'response:b', 'response:c']) await cache.set(k, { body: k });
    await expect(cache.deleteMany(['response:a', 'response:b', 'response:zz'])).resolves.toEqual({
      deleted: 2,
      byTier: { memory: 2, lower: 2 },
    });
    await expect(cache.has('response:c')).resolves.toBe(true);
    await expect(cache.has('response:a')).resolves.toBe(false);
  });

  it('decodes a record read straight from a tier with its own keys', async () => {
    const keyring = createKeyring({ k1: randomBytes(32) }, 'k1');
    const lower = encodedTier();
    const cache = createCache({
      tiers: [memoryStore(), lower],
      keyring,
      signingKey: 'sign',
      namespaces: { summary: { encrypt: true } },
    });
    await cache.set('summary:k', { body: 'private' });
    const record = lower.records.get('summary:k')!;
    await expect(cache.decodeRecord(record)).resolves.toEqual(Buffer.from('private'));
    await expect(cache.decodeRecord({ ...record, data: Buffer.from('forged') })).rejects.toThrow(/integrity/);
  });

  it('lists each key once across tiers', async () => {
    const top = memoryStore({ name: 'top' });
    const cache = createCache({ tiers: [top, encodedTier()] });
    await cache.set('response:both', { body: 'x' });
    await cache.set('response:lower-only', { body: 'y' });
    await top.delete('response:lower-only');
    const keys: string[] = [];
    for await (const k of cache.keys('response:*')) keys.push(k);
    expect(keys.sort()).toEqual(['response:both', 'response:lower-only']);
  });
});
