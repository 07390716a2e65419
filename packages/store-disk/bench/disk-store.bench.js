// Disk-tier latency: get and set p50/p99 for 2 KB and 100 KB entries, timed with Node's own clock.
// Run after a build: `npm run build -w @gatecache/store-disk && npm run bench -w @gatecache/store-disk`.
'use strict';

const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { createHistogram } = require('node:perf_hooks');
const cacache = require('cacache');
const { encodeRecord, serializeRecord } = require('@gatecache/core');
const { diskStore } = require('../dist');

const SIZES = [
  { label: '2 KB', bytes: 2 * 1024, count: 2000 },
  { label: '100 KB', bytes: 100 * 1024, count: 300 },
];

// Pseudo-random bytes (a fixed xorshift seed): reproducible and incompressible, so bytes on disk are real.
function noise(bytes, seed) {
  const out = Buffer.alloc(bytes);
  let x = seed * 2654435761 + 1;
  for (let i = 0; i < bytes; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

async function timed(histogram, fn) {
  const start = process.hrtime.bigint();
  const result = await fn();
  histogram.record(Math.max(1, Number(process.hrtime.bigint() - start)));
  return result;
}

const ms = (ns) => (ns / 1e6).toFixed(3);

// The same operations on bare cacache (put/get by key, no cap, no TTL): the baseline of the same run.
function rawCacache(dir) {
  return {
    ready: async () => undefined,
    set: (record) => cacache.put(dir, record.meta.key, serializeRecord(record), { metadata: {} }),
    get: (key) => cacache.get(dir, key),
    stats: async () => ({ bytes: NaN }),
    close: async () => undefined,
  };
}

async function run({ label, bytes, count }, kind) {
  const dir = mkdtempSync(join(tmpdir(), 'gatecache-disk-bench-'));
  const store = kind === 'diskStore' ? diskStore({ path: dir, sweepIntervalMs: 0 }) : rawCacache(dir);
  await store.ready();
  const now = Date.now();
  const timing = { createdAt: now, expiresAt: now + 3_600_000, staleUntil: now + 3_600_000 };
  const records = [];
  for (let i = 0; i < count; i++) {
    records.push(
      await encodeRecord(`response:bench:${i}`, 'response', noise(bytes, i + 1), timing, { tags: [] }),
    );
  }
  // Warm-up: folders, file handles, JIT.
  for (let i = 0; i < 50; i++) await store.set(records[i % count]);
  for (let i = 0; i < 50; i++) await store.get(records[i % count].meta.key);

  const set = createHistogram();
  const get = createHistogram();
  for (const record of records) await timed(set, () => store.set(record));
  for (let i = 0; i < count; i++) {
    const key = records[(i * 7919) % count].meta.key;
    const hit = await timed(get, () => store.get(key));
    if (!hit) throw new Error(`bench: ${key} missed`);
  }
  const stats = await store.stats();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return {
    store: kind,
    entry: label,
    ops: count,
    'set p50 ms': ms(set.percentile(50)),
    'set p99 ms': ms(set.percentile(99)),
    'get p50 ms': ms(get.percentile(50)),
    'get p99 ms': ms(get.percentile(99)),
    'disk bytes': stats.bytes,
  };
}

async function main() {
  const rows = [];
  for (const size of SIZES) {
    rows.push(await run(size, 'cacache'));
    rows.push(await run(size, 'diskStore'));
  }
  console.log(`Node ${process.version}, ${tmpdir()}, one operation at a time`);
  console.table(rows);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
