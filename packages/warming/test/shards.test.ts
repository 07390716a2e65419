import { LRUCache } from 'lru-cache';
import { seededRandom } from '@gatecache/core';
import { hash32, shardsSampler } from '../src/shards';

/** A Zipf(s) trace over `n` keys, one access per simulated second. */
function zipfTrace(n: number, length: number, s: number, seed: number): { key: string; at: number }[] {
  const random = seededRandom(seed);
  const cdf: number[] = [];
  let total = 0;
  for (let i = 1; i <= n; i++) cdf.push((total += 1 / Math.pow(i, s)));
  const out: { key: string; at: number }[] = [];
  for (let i = 0; i < length; i++) {
    const u = random() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cdf[mid] as number) < u) lo = mid + 1;
      else hi = mid;
    }
    out.push({ key: `response:openai:chat:m:t:k${lo}`, at: i * 1000 });
  }
  return out;
}

/** The exact hit rate of an LRU of `size` entries whose entries expire `ttl` seconds after being stored. */
function lruHitRate(trace: { key: string; at: number }[], size: number, ttl = Infinity): number {
  const lru = new LRUCache<string, number>({ max: size });
  let hits = 0;
  for (const { key, at } of trace) {
    const storedAt = lru.get(key);
    if (storedAt !== undefined && at - storedAt < ttl * 1000) hits++;
    else lru.set(key, at);
  }
  return hits / trace.length;
}

const SIZES = [16, 32, 64, 128, 256, 512, 1024, 2048, 4096];

describe('shardsSampler', () => {
  const trace = zipfTrace(4000, 40_000, 0.9, 42);

  it('matches a real LRU exactly while every key fits in the sample', () => {
    const sampler = shardsSampler({ sizes: SIZES, ttls: [600, 1e9], maxSamples: 5000 });
    for (const { key, at } of trace) sampler.access(key, at);
    const curve = sampler.curve();
    expect(curve.sampleRate).toBe(1);
    for (const [z, size] of SIZES.entries()) {
      expect(curve.hitRates[1]![z]).toBeCloseTo(lruHitRate(trace, size), 10);
      expect(curve.hitRates[0]![z]).toBeCloseTo(lruHitRate(trace, size, 600), 10);
    }
  });

  it('stays within a few points of a real LRU when it samples a few hundred keys', () => {
    const sampler = shardsSampler({ sizes: SIZES, ttls: [600, 1e9], maxSamples: 400 });
    for (const { key, at } of trace) sampler.access(key, at);
    const curve = sampler.curve();
    expect(curve.sampleRate).toBeLessThan(0.2);
    expect(curve.sampledKeys).toBeLessThanOrEqual(400);
    expect(curve.references).toBe(trace.length);
    expect(Math.abs(curve.distinctKeys - 4000) / 4000).toBeLessThan(0.25);
    for (const [z, size] of SIZES.entries()) {
      if (size < 64) continue; // below ~1/R entries a sample cannot resolve distances
      expect(Math.abs(curve.hitRates[1]![z]! - lruHitRate(trace, size))).toBeLessThan(0.03);
      expect(Math.abs(curve.hitRates[0]![z]! - lruHitRate(trace, size, 600))).toBeLessThan(0.03);
    }
  });

  it('keeps its memory fixed however many keys pass', () => {
    const sampler = shardsSampler({ sizes: SIZES, ttls: [60], maxSamples: 64 });
    const before = sampler.bytes;
    for (let i = 0; i < 50_000; i++) sampler.access(`k${i}`, i);
    expect(sampler.curve().sampledKeys).toBeLessThanOrEqual(64);
    expect(sampler.bytes).toBe(before);
    expect(sampler.curve().hitRates[0]!.every((r) => r === 0)).toBe(true);
  });

  it('spreads similar keys over the hash range', () => {
    let low = 0;
    for (let i = 0; i < 10_000; i++) if (hash32(`key-${i}`) < 2 ** 31) low++;
    expect(Math.abs(low - 5000)).toBeLessThan(250);
  });

  it('rejects bad options with their name', () => {
    expect(() => shardsSampler({ sizes: [2, 1], ttls: [60] })).toThrow(/sizes/);
    expect(() => shardsSampler({ sizes: [1], ttls: [] })).toThrow(/ttls/);
    expect(() => shardsSampler({ sizes: [1], ttls: [60], maxSamples: 0 })).toThrow(/maxSamples/);
  });
});
