import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MB, createCache, memoryStore } from '@gatecache/core';
import { diskStore } from '@gatecache/store-disk';
import { UNBOUNDED_MB, tierPolicyFromConfig } from '../src/tier-policy';

describe('tierPolicyFromConfig', () => {
  it('keeps every mechanism on by default and warns about nothing', () => {
    expect(tierPolicyFromConfig({})).toEqual({
      memory: { honorTtl: true, bounded: true },
      disk: { honorTtl: true, bounded: true },
      cache: {},
      lru: true,
      warnings: [],
    });
  });

  it('maps max_ttl to createCache maxTtl', () => {
    expect(tierPolicyFromConfig({ max_ttl: 86400 }).cache).toEqual({ maxTtl: 86400 });
  });

  it('turns TTL removal off in both tiers with ttl_enabled: false, still bounded by bytes', () => {
    const p = tierPolicyFromConfig({ ttl_enabled: false });
    expect(p.memory).toEqual({ honorTtl: false, bounded: true });
    expect(p.disk).toEqual({ honorTtl: false, bounded: true });
    expect(p.warnings).toEqual([]);
  });

  it('lifts the byte caps with size_based: false, which also leaves nothing for LRU to evict', () => {
    const p = tierPolicyFromConfig({ size_based: false });
    expect(p.memory).toEqual({ honorTtl: true, maxSizeMb: UNBOUNDED_MB, bounded: true });
    expect(p.lru).toBe(false);
    expect(p.warnings).toEqual([]);
  });

  it('warns once per tier when neither TTL nor size bounds it', () => {
    const p = tierPolicyFromConfig({ ttl_enabled: false, size_based: false });
    expect(p.memory.bounded).toBe(false);
    expect(p.disk.bounded).toBe(false);
    expect(p.warnings).toHaveLength(2);
    expect(p.warnings[0]).toMatch(/memory tier is unbounded/);
    expect(p.warnings[1]).toMatch(/disk tier is unbounded/);
  });

  it('keeps LRU and warns when lru_enabled: false meets byte-bounded tiers', () => {
    const p = tierPolicyFromConfig({ lru_enabled: false });
    expect(p.lru).toBe(true);
    expect(p.warnings).toEqual([expect.stringMatching(/lru_enabled: false cannot be honoured/)]);
    expect(tierPolicyFromConfig({ lru_enabled: false, size_based: false }).warnings).toEqual([]);
  });

  it('warns that max_ttl is not enforced on storage while TTL removal is off', () => {
    const p = tierPolicyFromConfig({ ttl_enabled: false, max_ttl: 3600 });
    expect(p.cache).toEqual({ maxTtl: 3600 });
    expect(p.warnings).toEqual([expect.stringMatching(/max_ttl/)]);
  });

  it('rejects bad values, naming the switch', () => {
    expect(() => tierPolicyFromConfig({ ttl_enabled: 'no' as unknown as boolean })).toThrow(/ttl_enabled/);
    expect(() => tierPolicyFromConfig({ size_based: 0 as unknown as boolean })).toThrow(/size_based/);
    expect(() => tierPolicyFromConfig({ max_ttl: -1 })).toThrow(/max_ttl/);
    expect(() => tierPolicyFromConfig({ max_ttl: Infinity })).toThrow(/max_ttl/);
  });
});

describe('applying the policy to real tiers', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gatecache-inv-policy-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('caps a request TTL above max_ttl', async () => {
    const now = 1_700_000_000_000;
    const clock = { now: () => now };
    const policy = tierPolicyFromConfig({ max_ttl: 60 });
    const cache = createCache({ tiers: [memoryStore({ ...policy.memory, clock })], clock, ...policy.cache });
    await cache.set('config:a', { body: 'x' }, { ttl: 3600, staleWhileRevalidate: 600 });
    const record = await cache.tiers[0]?.peek?.('config:a');
    expect(record?.meta.expiresAt).toBe(now + 60_000);
    expect(record?.meta.staleUntil).toBe(now + 60_000);
    await cache.close();
  });

  it('keeps expired entries stored (never served) with ttl_enabled: false, on memory and disk', async () => {
    let now = 1_700_000_000_000;
    const clock = { now: () => now };
    const policy = tierPolicyFromConfig({ ttl_enabled: false });
    const memory = memoryStore({ ...policy.memory, clock });
    const disk = diskStore({ path: dir, ...policy.disk, clock, sweepIntervalMs: 0 });
    // A generous tier timeout: under a loaded CI machine a disk write can take longer than the 200 ms default,
    // and a timed-out write is (rightly) not stored, which is not what this test is about.
    const cache = createCache({ tiers: [memory, disk], clock, tierGuard: { timeoutMs: 10_000 } });
    await cache.set('config:a', { body: 'x' }, { ttl: 10 });
    now += 60_000;
    expect(await cache.get('config:a')).toBeUndefined();
    expect(await memory.peek?.('config:a')).toBeDefined();
    expect(await disk.has('config:a')).toBe(true);
    expect(await disk.sweep()).toBe(0);
    await cache.close();
  });

  it('gives the tiers a cap no process reaches with size_based: false', async () => {
    const policy = tierPolicyFromConfig({ size_based: false });
    const memory = memoryStore({ ...policy.memory });
    const disk = diskStore({ path: dir, ...policy.disk, sweepIntervalMs: 0 });
    expect((await memory.stats()).maxBytes).toBe(UNBOUNDED_MB * MB);
    expect((await disk.stats()).maxBytes).toBe(UNBOUNDED_MB * MB);
    expect(Number.isSafeInteger(UNBOUNDED_MB * MB)).toBe(true);
    await disk.close();
  });
});
