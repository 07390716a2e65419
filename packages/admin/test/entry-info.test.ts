import { createCache, memoryStore } from '@gatecache/core';
import type { Store } from '@gatecache/core';
import { entryInfo } from '../src/entry-info';

const NOW = 1_700_000_000_000;
const clock = { now: () => NOW };

function twoTiers() {
  return createCache({
    tiers: [memoryStore({ clock }), memoryStore({ name: 'l2', encoded: true, clock })],
    clock,
  });
}

describe('entryInfo', () => {
  it('describes an entry with the tiers holding it, and no body unless asked', async () => {
    const cache = twoTiers();
    await cache.set(
      'summary:i:100:m',
      { body: 'hello', tags: ['t'], model: 'm', tenant: 'abc' },
      { ttl: 60 },
    );
    const info = await entryInfo(cache, 'summary:i:100:m', NOW + 10_000, false);
    expect(info).toMatchObject({
      key: 'summary:i:100:m',
      namespace: 'summary',
      tiers: ['memory', 'l2'],
      age: 10,
      ttl: 50,
      stale: false,
      size: 5,
      tags: ['t'],
      model: 'm',
      tenant: 'abc',
      encrypted: false,
    });
    expect(info?.body).toBeUndefined();
  });

  it('decodes the body from an encoded tier with the cache keys, as base64 when not UTF-8', async () => {
    const cache = twoTiers();
    const bytes = Buffer.from([0xff, 0x00, 0xfe]);
    await cache.set('config:bin', { body: bytes });
    await cache.tiers[0]?.delete('config:bin');
    const info = await entryInfo(cache, 'config:bin', NOW, true);
    expect(info?.tiers).toEqual(['l2']);
    expect(info?.body).toEqual({ encoding: 'base64', data: bytes.toString('base64') });
  });

  it('reports a body that fails its integrity check instead of showing it', async () => {
    const cache = twoTiers();
    await cache.set('config:x', { body: 'good' });
    await cache.tiers[0]?.delete('config:x');
    const l2 = cache.tiers[1] as Store;
    const record = await l2.get('config:x');
    await l2.set({ meta: record!.meta, data: Buffer.from('evil') });
    const info = await entryInfo(cache, 'config:x', NOW, true);
    expect(info?.body).toBeUndefined();
    expect(info?.body_error).toMatch(/integrity/);
  });

  it('counts as no lookup: no hit or miss events, no promotion in LRU order', async () => {
    const cache = twoTiers();
    await cache.set('config:old', { body: 'o' });
    await cache.set('config:new', { body: 'n' });
    const lookups: string[] = [];
    cache.on('hit', (e) => lookups.push(e.key)).on('miss', (e) => lookups.push(e.key));
    await entryInfo(cache, 'config:old', NOW, true);
    expect(lookups).toEqual([]);
    const order: string[] = [];
    for await (const k of (cache.tiers[0] as Store).keys('*')) order.push(k);
    expect(order).toEqual(['config:new', 'config:old']);
  });

  it('is undefined for a key no tier holds, or one past its stale window', async () => {
    const cache = twoTiers();
    await cache.set('config:short', { body: 'x' }, { ttl: 1 });
    expect(await entryInfo(cache, 'config:none', NOW, false)).toBeUndefined();
    expect(await entryInfo(cache, 'config:short', NOW + 5_000, false)).toBeUndefined();
  });
});
