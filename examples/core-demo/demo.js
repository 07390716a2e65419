// A tiered cache in front of a simulated provider (fixed latency, seeded prompts), measured with and
// without the cache. Run with `npm run demo` from the repository root.
const { createCache, memoryStore, seededRandom } = require('@gatecache/core');

const LATENCY_MS = Number(process.env.DEMO_LATENCY_MS ?? 50);
const REQUESTS = Number(process.env.DEMO_REQUESTS ?? 300);
const PROMPTS = 25;

// Zipf-like popularity: prompt i is requested in proportion to 1 / (i + 1).
function workload(seed) {
  // Seeded, so every run sends the same workload.
  const next = seededRandom(seed);
  const weights = Array.from({ length: PROMPTS }, (_, i) => 1 / (i + 1));
  const total = weights.reduce((a, b) => a + b, 0);
  return Array.from({ length: REQUESTS }, () => {
    let r = next() * total;
    let i = 0;
    while ((r -= weights[i]) > 0) i++;
    return `prompt ${i}`;
  });
}

let upstreamCalls = 0;
async function provider(prompt) {
  upstreamCalls++;
  await new Promise((r) => setTimeout(r, LATENCY_MS));
  return JSON.stringify({ choices: [{ message: { role: 'assistant', content: `answer to ${prompt}` } }] });
}

async function run(withCache) {
  upstreamCalls = 0;
  const cache = createCache({ tiers: [memoryStore({ maxSizeMb: 16 })] });
  const started = process.hrtime.bigint();
  for (const prompt of workload(42)) {
    if (withCache)
      await cache.getOrSet(`response:demo:${prompt}`, async () => ({ body: await provider(prompt) }));
    else await provider(prompt);
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const stats = await cache.stats();
  await cache.close();
  return {
    avg: ms / REQUESTS,
    calls: upstreamCalls,
    hitRate: withCache ? stats.hitRate : 0,
    memory: stats.memoryBytes,
  };
}

(async () => {
  console.log(
    `gatecache core demo: ${REQUESTS} requests over ${PROMPTS} prompts, provider latency ${LATENCY_MS} ms\n`,
  );
  const without = await run(false);
  const withCache = await run(true);
  const row = (name, r) =>
    `| ${name.padEnd(13)} | ${r.avg.toFixed(2).padStart(15)} | ${String(r.calls).padStart(14)} | ${(r.hitRate * 100).toFixed(1).padStart(8)}% | ${(r.memory / 1024).toFixed(1).padStart(10)} |`;
  console.log('| run           | avg latency ms  | upstream calls | hit rate  | memory KB  |');
  console.log('|---------------|-----------------|----------------|-----------|------------|');
  console.log(row('without cache', without));
  console.log(row('with cache', withCache));
})();
