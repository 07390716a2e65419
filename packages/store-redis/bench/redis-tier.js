'use strict';
// Hit-path throughput of the Redis tier (memory tier off) as a ratio to the memory tier, through
// createCache, with and without ioredis auto-pipelining, measured in one run on one machine.
// Run after a build: `npx tsc -b packages/store-redis/tsconfig.build.json && node packages/store-redis/bench/redis-tier.js`
// Uses REDIS_URL when set, else starts its own redis-server on a free port.
const { createCache, memoryStore } = require('../../core/dist');
const { redisStore } = require('../dist');
const { benchRedis } = require('./redis');

const DURATION_MS = Number(process.env.BENCH_DURATION_MS || 3000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY || 50);
const KEYS = 100;
const BODY = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  model: 'gpt-4o-mini',
  choices: [{ index: 0, message: { role: 'assistant', content: 'lorem ipsum dolor sit amet '.repeat(70) } }],
}).slice(0, 2048);

async function measure(cache) {
  for (let i = 0; i < KEYS; i++) await cache.set(`response:bench:${i}`, { body: BODY, status: 200 });
  const run = async (ms) => {
    let ops = 0;
    let misses = 0;
    const until = Date.now() + ms;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async (_, w) => {
        for (let i = w; Date.now() < until; i++) {
          const entry = await cache.get(`response:bench:${i % KEYS}`);
          if (!entry) misses++;
          ops++;
        }
      }),
    );
    if (misses) throw new Error(`${misses} misses: the tier was skipped (is Redis slow or down?)`);
    return (ops / ms) * 1000;
  };
  await run(500); // warm-up: JIT, connections
  return run(DURATION_MS);
}

async function main() {
  const redis = await benchRedis();
  try {
    const results = {};
    const memory = createCache({ tiers: [memoryStore()] });
    results.memory = await measure(memory);
    await memory.close();
    for (const [label, enableAutoPipelining, compression] of [
      ['redis (auto-pipelining)', true, undefined],
      ['redis (no pipelining)', false, undefined],
      // Where the rest of the time goes: gunzip on every hit (the namespace default for encoded tiers).
      ['redis (pipelining, no gzip)', true, false],
    ]) {
      const store = redisStore({
        url: redis.url,
        keyPrefix: 'gatecache-bench:',
        enableAutoPipelining,
        commandTimeoutMs: 1000,
      });
      await store.ready();
      // A generous guard timeout: this measures throughput, not the fail-fast path.
      const namespaces = compression === false ? { response: { compression: false } } : {};
      const cache = createCache({ tiers: [store], tierGuard: { timeoutMs: 1000 }, namespaces });
      results[label] = await measure(cache);
      await cache.clear();
      await cache.close();
    }
    console.log(
      `hit path through createCache, 2 KB JSON body (gzip in Redis), ${CONCURRENCY} in flight, ${DURATION_MS} ms each`,
    );
    console.log(`node ${process.version}`);
    for (const [label, opsPerSec] of Object.entries(results)) {
      const ratio = (opsPerSec / results.memory).toFixed(3);
      console.log(
        `${label.padEnd(26)} ${Math.round(opsPerSec).toString().padStart(9)} gets/s   ${ratio}x memory`,
      );
    }
  } finally {
    await redis.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
