import { encodeRecord } from '../src/codec';
import { DEFAULTS } from '../src/defaults';
import { memoryStore, recordBytes } from '../src/memory-store';
import type { StoredRecord } from '../src/types';
import { MB } from '../src/util';
import { manualClock } from './helpers';

async function record(
  key: string,
  bytes: number,
  staleUntil = Number.MAX_SAFE_INTEGER,
): Promise<StoredRecord> {
  return encodeRecord(
    key,
    'response',
    Buffer.alloc(bytes, 'x'),
    { createdAt: 0, expiresAt: staleUntil, staleUntil },
    { tags: [] },
  );
}

describe('memoryStore', () => {
  it.each([
    [{ maxSizeMb: -1 }, /^memoryStore: maxSizeMb must be a size in MB > 0/],
    [{ name: '' }, /^memoryStore: name must be a non-empty string/],
    [{ entryOverheadBytes: 1.5 }, /^memoryStore: entryOverheadBytes must be an integer >= 0/],
    [{ encoded: 'no' }, /^memoryStore: encoded must be a boolean/],
    [{ honorTtl: 0 }, /^memoryStore: honorTtl must be a boolean/],
    [{ clock: {} }, /^memoryStore: clock must be a Clock \(now\)/],
  ])('rejects %p with a TypeError naming the option', (options, message) => {
    expect(() => memoryStore(options as never)).toThrow(TypeError);
    expect(() => memoryStore(options as never)).toThrow(message);
  });

  it('takes its defaults from DEFAULTS.memoryStore', () => {
    const store = memoryStore();
    expect(store.name).toBe(DEFAULTS.memoryStore.name);
    expect(store.encoded).toBe(DEFAULTS.memoryStore.encoded);
  });

  it('keeps the bytes it holds under maxSizeMb, counting per-entry overhead for many small entries', async () => {
    const store = memoryStore({ maxSizeMb: 0.25 });
    for (let i = 0; i < 5000; i++) await store.set(await record(`response:k${i}`, 10));
    const stats = store.stats() as { bytes: number; maxBytes: number; entries: number; evictions: number };
    expect(stats.maxBytes).toBe(Math.floor(0.25 * MB));
    expect(stats.bytes).toBeLessThanOrEqual(stats.maxBytes);
    // With ~10-byte bodies an entry-count bound would keep all 5000; the byte bound must not.
    expect(stats.entries).toBeLessThan(5000);
    expect(stats.evictions).toBe(5000 - stats.entries);
  });

  it('keeps a body cut from a shared buffer in memory of its own, so an entry holds no more than its bytes', async () => {
    const store = memoryStore();
    // Buffer.from of a short string is a slice of Node's shared 8 KB pool.
    const pooled = Buffer.from('y'.repeat(600));
    expect(pooled.buffer.byteLength).toBeGreaterThan(pooled.length);
    const given = await encodeRecord(
      'response:pooled',
      'response',
      pooled,
      { createdAt: 0, expiresAt: 1e15, staleUntil: 1e15 },
      { tags: [] },
    );
    expect(given.data).toBe(pooled);
    await store.set(given);
    const kept = (await store.get('response:pooled'))!;
    expect(kept.data.equals(pooled)).toBe(true);
    expect(kept.data.buffer.byteLength).toBe(600);
    expect(kept.meta).toBe(given.meta);
    expect(given.data).toBe(pooled);
    // A body that owns its memory is kept as it is, without a copy.
    const owned = await record('response:owned', 5000);
    await store.set(owned);
    expect((await store.get('response:owned'))!.data).toBe(owned.data);
  });

  it('counts only capacity evictions, not overwrites or deletes', async () => {
    const store = memoryStore({ maxSizeMb: 1 });
    const r = await record('a', 100);
    await store.set(r);
    await store.set(r);
    await store.delete('a');
    await store.set(r);
    await store.clear();
    expect((store.stats() as { evictions: number }).evictions).toBe(0);
  });

  it('refuses and counts an entry larger than the cap instead of dropping it silently', async () => {
    const store = memoryStore({ maxSizeMb: 0.01 });
    const ok = store.set(await record('big', 20_000));
    expect(ok).toBe(false);
    expect(store.get('big')).toBeUndefined();
    expect((store.stats() as { rejected: number }).rejected).toBe(1);
  });

  it('drops an entry once its stale window has passed, by the injected clock', async () => {
    const clock = manualClock(0);
    const store = memoryStore({ clock });
    const removed: string[] = [];
    store.listen?.({ onRemove: (key, reason) => removed.push(`${key}:${reason}`) });
    await store.set(await record('t', 10, 1000));
    clock.set(999);
    expect(store.get('t')).toBeDefined();
    clock.set(1000);
    expect(store.get('t')).toBeUndefined();
    expect(removed).toEqual(['t:expire']);
    expect((store.stats() as { expired: number }).expired).toBe(1);
  });

  it('lists keys by Redis-style glob, across every character', async () => {
    const store = memoryStore();
    for (const k of [
      'response:openai:chat.completions:gpt-4o:t1:h',
      'summary:abc:100:m',
      'response:anthropic:messages:c:t2:h',
    ]) {
      await store.set(await record(k, 5));
    }
    const keys: string[] = [];
    for await (const k of store.keys('response:*')) keys.push(k);
    expect(keys.sort()).toEqual([
      'response:anthropic:messages:c:t2:h',
      'response:openai:chat.completions:gpt-4o:t1:h',
    ]);
    expect(store.deleteMatching?.('summary:*')).toBe(1);
    expect(store.has('summary:abc:100:m')).toBe(false);
  });

  it('gives a namespace with its own size a partition of its own', async () => {
    const store = memoryStore({ maxSizeMb: 1 });
    store.configureNamespace?.('summary', { maxBytes: 4096 });
    for (let i = 0; i < 20; i++) await store.set(await record(`summary:${i}`, 1000));
    await store.set(await record('response:x', 1000));
    const stats = store.stats() as { namespaces: Record<string, { entries: number; bytes: number }> };
    expect(stats.namespaces.summary!.bytes).toBeLessThanOrEqual(4096);
    expect(stats.namespaces.summary!.entries).toBeLessThan(20);
    expect(stats.namespaces.response).toEqual({
      entries: 1,
      bytes: Math.ceil(recordBytes(await record('response:x', 1000), 256)),
    });
  });

  it('peeks without promoting the entry in LRU order', async () => {
    const store = memoryStore({ maxSizeMb: 0.004 });
    await store.set(await record('response:old', 1000));
    await store.set(await record('response:new', 1000));
    expect(await store.peek?.('response:old')).toBeDefined();
    await store.set(await record('response:newest', 1000));
    // A get would have saved 'old'; a peek must not.
    expect(await store.has('response:old')).toBe(false);
    expect(await store.has('response:new')).toBe(true);
  });
});
