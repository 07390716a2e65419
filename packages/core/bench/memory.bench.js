// Memory tier throughput as a ratio to raw lru-cache, measured in one run.
// Run after a build: `npm run bench -w @gatecache/core` (or `npm run bench` at the root).
const { LRUCache } = require('lru-cache');
const { createCache, encodeRecord, memoryStore } = require('../dist');

const KEYS = 10_000;
const OPS = Number(process.env.BENCH_OPS ?? 500_000);
const body = Buffer.alloc(2048, 'a');
const keys = Array.from(
  { length: KEYS },
  (_, i) => `response:openai:chat.completions:gpt-4o:global:${i.toString(16).padStart(16, '0')}`,
);

function time(label, fn, ops = OPS) {
  for (let i = 0; i < Math.min(ops, 20_000); i++) fn(i); // warm up
  const start = process.hrtime.bigint();
  for (let i = 0; i < ops; i++) fn(i);
  const ns = Number(process.hrtime.bigint() - start);
  return { label, opsPerSec: (ops / ns) * 1e9 };
}

async function timeAsync(label, fn, ops = OPS / 5) {
  for (let i = 0; i < 5_000; i++) await fn(i);
  const start = process.hrtime.bigint();
  for (let i = 0; i < ops; i++) await fn(i);
  const ns = Number(process.hrtime.bigint() - start);
  return { label, opsPerSec: (ops / ns) * 1e9 };
}

(async () => {
  const timing = { createdAt: Date.now(), expiresAt: Date.now() + 3.6e6, staleUntil: Date.now() + 3.6e6 };
  const records = await Promise.all(
    keys.map((k) => encodeRecord(k, 'response', body, timing, { tags: [], status: 200 })),
  );

  const raw = new LRUCache({ maxSize: 100 * 1024 * 1024, sizeCalculation: (v) => v.data.length + 512 });
  const store = memoryStore({ maxSizeMb: 100 });
  const rawSet = time('lru-cache set', (i) => raw.set(keys[i % KEYS], records[i % KEYS]));
  const storeSet = time('memoryStore set', (i) => store.set(records[i % KEYS]));
  const rawGet = time('lru-cache get', (i) => raw.get(keys[i % KEYS]));
  const storeGet = time('memoryStore get', (i) => store.get(keys[i % KEYS]));

  const cache = createCache({ tiers: [memoryStore({ maxSizeMb: 100 })] });
  for (const k of keys) await cache.set(k, { body, status: 200 });
  const rawGetAsync = await timeAsync('lru-cache get (awaited)', async (i) => raw.get(keys[i % KEYS]));
  const cacheGet = await timeAsync('createCache get (memory tier, awaited)', (i) =>
    cache.get(keys[i % KEYS]),
  );
  const rawSetAsync = await timeAsync('lru-cache set (awaited)', async (i) =>
    raw.set(keys[i % KEYS], records[i % KEYS]),
  );
  const cacheSet = await timeAsync('createCache set (awaited)', (i) =>
    cache.set(keys[i % KEYS], { body, status: 200 }),
  );

  const rows = [
    [rawSet, storeSet, rawSet],
    [rawGet, storeGet, rawGet],
    [rawGetAsync, cacheGet, rawGetAsync],
    [rawSetAsync, cacheSet, rawSetAsync],
  ];
  console.log(`node ${process.version}, ${KEYS} keys, 2 KB bodies\n`);
  console.log('| operation | ops/s | baseline | baseline ops/s | ratio |');
  console.log('|---|---:|---|---:|---:|');
  for (const [, r, b] of rows) {
    console.log(
      `| ${r.label} | ${Math.round(r.opsPerSec).toLocaleString('en')} | ${b.label} | ${Math.round(b.opsPerSec).toLocaleString('en')} | ${(r.opsPerSec / b.opsPerSec).toFixed(2)} |`,
    );
  }
})();
