import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_COMPRESSION, createCache, memoryStore } from '@gatecache/core';
import type { Cache } from '@gatecache/core';
import { diskStore } from '@gatecache/store-disk';
import type { DiskStore } from '@gatecache/store-disk';
import { ALL_KEYS, SEED, get, purge, itPurgesEachFilter, keysByTier, makeStack, without } from './helpers';
import type { Stack } from './helpers';

// The router on the stack the guide defaults to: a memory tier above a real cacache folder.
let dir: string;
let disk: DiskStore;
let stack: Stack;

function memoryAndDisk(): Cache {
  disk = diskStore({ path: dir, sweepIntervalMs: 0 });
  return createCache({ tiers: [memoryStore(), disk] });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gatecache-inv-disk-'));
});
afterEach(async () => {
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Every content file of the cacache folder. */
function contentFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk(join(root, 'content-v2'));
  return out;
}

/** Flip the last byte of the content file holding `key`: cacache's sha512 no longer matches. */
function damageOnDisk(key: string): void {
  const file = contentFiles(dir).find((f) => readFileSync(f).includes(Buffer.from(`"key":"${key}"`)));
  if (!file) throw new Error(`no content file holds ${key}`);
  const bytes = readFileSync(file);
  bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 0xff;
  writeFileSync(file, bytes);
}

describe('DELETE /api/cache on memory + disk tiers', () => {
  itPurgesEachFilter(async () => (stack = await makeStack({}, SEED, memoryAndDisk())));

  it('removes a tagged entry that only the disk tier still holds', async () => {
    stack = await makeStack({}, SEED, memoryAndDisk());
    const onlyOnDisk = 'summary:ih1:100:gpt-4o';
    await stack.cache.tiers[0]?.delete(onlyOnDisk);
    const res = await purge(stack, '?tag=team:a');
    expect(res.body.by_tier).toEqual({ memory: 2, disk: 3 });
    expect(res.body.deleted).toBe(3);
    const left = await keysByTier(stack.cache);
    expect(left.disk).not.toContain(onlyOnDisk);
    expect(left.memory).toEqual(left.disk);
  });

  it('counts on both tiers and deletes nothing on a dry run', async () => {
    stack = await makeStack({}, SEED, memoryAndDisk());
    const res = await purge(stack, '?namespace=summary&dry_run=true');
    expect(res.body).toEqual({ deleted: 2, by_tier: { memory: 2, disk: 2 }, dry_run: true });
    expect(await keysByTier(stack.cache)).toEqual({ memory: ALL_KEYS, disk: ALL_KEYS });
  });

  it('clears both tiers on a bare DELETE', async () => {
    stack = await makeStack({}, SEED, memoryAndDisk());
    const res = await purge(stack, '');
    expect(res.body.deleted).toBe(ALL_KEYS.length);
    expect(await keysByTier(stack.cache)).toEqual({ memory: [], disk: [] });
  });
});

describe('GET /api/cache/entry on memory + disk tiers', () => {
  it('decodes the body from the disk tier (compressed at rest) with the cache keys', async () => {
    stack = await makeStack({}, [], memoryAndDisk());
    const body = 'a long answer, said again. '.repeat(100);
    await stack.cache.set('summary:big:1:m', { body, tags: ['t'] });
    await stack.cache.tiers[0]?.delete('summary:big:1:m');
    const res = await get(stack, '/api/cache/entry?key=summary:big:1:m&include_body=true');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      tiers: ['disk'],
      encoding: DEFAULT_COMPRESSION.algorithm,
      size: body.length,
      tags: ['t'],
    });
    expect(res.body.stored_size).toBeLessThan(body.length);
    expect(res.body.body).toEqual({ encoding: 'utf8', data: body });
  });
});

describe('GET /debug/cache/integrity on memory + disk tiers', () => {
  it('counts good entries on both tiers and says how each was checked', async () => {
    stack = await makeStack({}, SEED, memoryAndDisk());
    const res = await get(stack, '/debug/cache/integrity');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      checked: SEED.length * 2,
      good: SEED.length * 2,
      corrupt: 0,
      removed: 0,
    });
    // store-disk has no verify() of its own: integrity there is "read and decode every entry".
    expect(res.body.tiers.map((t: { tier: string; method: string }) => [t.tier, t.method])).toEqual([
      ['memory', 'decode'],
      ['disk', 'decode'],
    ]);
  });

  it('counts and removes an entry whose bytes on disk are damaged (cacache sha512)', async () => {
    stack = await makeStack({}, SEED, memoryAndDisk());
    damageOnDisk('config:ch1');
    const res = await get(stack, '/debug/cache/integrity');
    const diskReport = res.body.tiers.find((t: { tier: string }) => t.tier === 'disk');
    expect(diskReport).toMatchObject({ checked: SEED.length, corrupt: 1, removed: 1, good: SEED.length - 1 });
    const left = await keysByTier(stack.cache);
    expect(left.disk).toEqual(without('config:ch1'));
    expect(left.memory).toEqual(ALL_KEYS);
  });

  it('counts and removes a record whose own integrity hash fails although cacache accepts its bytes', async () => {
    stack = await makeStack({}, SEED, memoryAndDisk());
    const record = await disk.get('models:openai:mh1');
    if (!record) throw new Error('fixture entry missing');
    await disk.set({ meta: record.meta, data: Buffer.from('tampered') });
    const res = await get(stack, '/debug/cache/integrity');
    expect(res.body).toMatchObject({ corrupt: 1, removed: 1 });
    expect((await keysByTier(stack.cache)).disk).toEqual(without('models:openai:mh1'));
  });
});
