import { createCache, memoryStore } from '@gatecache/core';
import type { Store } from '@gatecache/core';
import { inspect } from '../src/tier-read';

async function order(tier: Store): Promise<string[]> {
  const keys: string[] = [];
  for await (const k of tier.keys('*')) keys.push(k);
  return keys;
}

describe('inspect', () => {
  it('reads through peek where the tier has it, leaving the LRU order as it was', async () => {
    const tier = memoryStore();
    const cache = createCache({ tiers: [tier] });
    await cache.set('config:old', { body: 'o' });
    await cache.set('config:new', { body: 'n' });
    expect((await inspect(tier, 'config:old'))?.meta.key).toBe('config:old');
    expect(await order(tier)).toEqual(['config:new', 'config:old']);
    // The same read through get() promotes it: the difference inspect exists for.
    await tier.get('config:old');
    expect(await order(tier)).toEqual(['config:old', 'config:new']);
  });

  it('falls back to get for a tier without peek', async () => {
    const inner = memoryStore();
    const { peek: _peek, ...rest } = inner;
    const noPeek: Store = rest;
    await createCache({ tiers: [noPeek] }).set('config:a', { body: 'a' });
    expect((await inspect(noPeek, 'config:a'))?.meta.key).toBe('config:a');
    expect(await inspect(noPeek, 'config:none')).toBeUndefined();
  });
});
