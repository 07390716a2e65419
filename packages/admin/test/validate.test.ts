import { randomBytes } from 'node:crypto';
import { createCache, createKeyring, memoryStore } from '@gatecache/core';
import type { Store } from '@gatecache/core';
import { READER, SEED, corruptInL2, get, keysOfTier, makeStack } from './helpers';
import type { Stack } from './helpers';
import { validateTiers } from '../src/validate';

let stack: Stack;
afterEach(async () => {
  await stack?.close();
});

describe('GET /debug/cache/validate', () => {
  it('removes a corrupt entry and counts it, leaving good ones', async () => {
    stack = await makeStack();
    await corruptInL2(stack.cache, 'config:ch1');
    const res = await get(stack, '/debug/cache/validate');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      checked: SEED.length * 2,
      corrupt: 1,
      removed: 1,
      good: SEED.length * 2 - 1,
    });
    expect(await keysOfTier(stack.cache, 1)).not.toContain('config:ch1');
    expect(await keysOfTier(stack.cache, 0)).toContain('config:ch1');
    expect(stack.router.eventLog.list({ type: 'validation' })[0]).toMatchObject({ corrupt: 1 });
  });

  it('needs the admin token because it removes entries', async () => {
    stack = await makeStack();
    const res = await get(stack, '/debug/cache/integrity', READER);
    expect(res.status).toBe(403);
  });

  it('bounds the work per tier with limit', async () => {
    stack = await makeStack();
    const res = await get(stack, '/debug/cache/integrity?limit=3');
    expect(res.body.checked).toBe(6);
    expect(res.body.tiers.every((t: { partial: boolean }) => t.partial)).toBe(true);
  });
});

describe('validateTiers', () => {
  const at = { now: () => 1_000_000 };

  it('decodes encrypted entries with the cache keyring and keeps those under a key it lacks', async () => {
    const keyring = createKeyring({ k1: randomBytes(32).toString('base64') }, 'k1');
    const cache = createCache({
      tiers: [memoryStore({ name: 'enc', encoded: true, clock: at })],
      namespaces: { summary: { encrypt: true } },
      keyring,
      clock: at,
    });
    await cache.set('summary:a:1:m', { body: 'secret answer' });
    const other = createCache({
      tiers: [cache.tiers[0] as Store],
      namespaces: { summary: { encrypt: true } },
      keyring: createKeyring({ k2: randomBytes(32).toString('base64') }, 'k2'),
      clock: at,
    });
    await other.set('summary:b:1:m', { body: 'written by another instance' });
    const [report] = await validateTiers(cache, {
      limit: 100,
      remove: true,
      storeVerify: true,
      now: at.now(),
    });
    expect(report).toMatchObject({
      tier: 'enc',
      checked: 2,
      good: 1,
      unverifiable: 1,
      corrupt: 0,
      removed: 0,
    });
    expect(await cache.tiers[0]?.has('summary:b:1:m')).toBe(true);
  });

  it('counts and removes entries past their stale window that a tier keeps (honorTtl: false)', async () => {
    let now = 1_000_000;
    const clock = { now: () => now };
    const cache = createCache({ tiers: [memoryStore({ clock, honorTtl: false })], clock });
    await cache.set('config:a', { body: 'x' }, { ttl: 10 });
    await cache.set('config:b', { body: 'y' }, { ttl: 1000 });
    now += 20_000;
    const [report] = await validateTiers(cache, { limit: 100, remove: true, storeVerify: false, now });
    expect(report).toMatchObject({ checked: 2, good: 1, expired: 1, removed: 1 });
    expect(await cache.tiers[0]?.peek?.('config:a')).toBeUndefined();
    expect(await cache.tiers[0]?.peek?.('config:b')).toBeDefined();
  });

  it('resumes a bounded pass after the last key it checked', async () => {
    const cache = createCache({ tiers: [memoryStore()] });
    for (const k of ['config:a', 'config:b', 'config:c']) await cache.set(k, { body: k });
    const opts = { limit: 2, remove: false, storeVerify: false, now: Date.now() };
    const [first] = await validateTiers(cache, opts);
    expect(first).toMatchObject({ checked: 2, partial: true, lastKey: 'config:b' });
    const [second] = await validateTiers(cache, { ...opts, after: { memory: 'config:b' } });
    expect(second).toMatchObject({ checked: 1, partial: false, lastKey: 'config:c' });
  });

  it('does not promote the entries it checks in the LRU order', async () => {
    const cache = createCache({ tiers: [memoryStore()] });
    await cache.set('config:old', { body: 'o' });
    await cache.set('config:new', { body: 'n' });
    await validateTiers(cache, { limit: 100, remove: false, storeVerify: false, now: Date.now() });
    const order: string[] = [];
    for await (const k of (cache.tiers[0] as Store).keys('*')) order.push(k);
    // lru-cache lists most recent first: a get during validation would have moved config:old ahead.
    expect(order).toEqual(['config:new', 'config:old']);
  });
});
