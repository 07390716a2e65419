// The floor under the miss-path ratio: what a miss must cost a cache that keys and stores on the proxy's own
// thread, against what the proxy alone costs per request, both measured in this run.
//   1. The bare proxy (http-proxy-middleware, keep-alive agent) under autocannon with a new request each time,
//      against an upstream that answers at once: its server CPU per request.
//   2. In this process, with Node's clock, the steps of a miss that no implementation can skip, done the way
//      gatecache does them: parse the request JSON, build its key, look it up, build the replay recipe, check
//      and build the entry from the answer, store it in the memory tier (thousands of unique requests).
// The best ratio any such cache could reach is proxy / (proxy + steps): each request still pays the steps.
// Run: `npm run build && npm run bench:floor -w @gatecache/bench` (BENCH_DURATION seconds, default 8).
const { createCache, memoryStore } = require('@gatecache/core');
const { createKeyer } = require('@gatecache/cache-key');
const { buildEntry, buildRecipe, RECIPE_HEADERS } = require('@gatecache/providers');
const { start, stop, cpuOf, load, median } = require('./procs');
const { request, answer, sseAnswer } = require('./payloads');

const DURATION = Number(process.env.BENCH_DURATION ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const N = Number(process.env.FLOOR_REQUESTS ?? 20_000);
const TARGET = 0.95;

async function proxyCpu(stream) {
  const upstream = await start('upstream.js');
  const proxy = await start('servers.js', ['proxy-miss', upstream.url]);
  try {
    await load(proxy.url, { stream, unique: true, connections: 50, duration: 1 });
    const before = await cpuOf(proxy.child);
    const run = await load(proxy.url, { stream, unique: true, connections: 50, duration: DURATION });
    return ((await cpuOf(proxy.child)) - before) / run.total;
  } finally {
    await stop(proxy.child);
    await stop(upstream.child);
  }
}

/** Microseconds per miss for each step, over N unique requests (after as many to warm up). */
async function steps(stream) {
  const cache = createCache({ tiers: [memoryStore({ maxSizeMb: 256 })] });
  const keyer = createKeyer();
  const headers = { 'content-type': 'application/json', authorization: 'Bearer sk-bench' };
  const upstreamHead = {
    status: 200,
    headers: stream
      ? { 'content-type': 'text/event-stream; charset=utf-8' }
      : { 'content-type': 'application/json', 'content-length': String(answer.length) },
  };
  const reply = stream ? sseAnswer : answer;
  const recipeHeaders = new Set(RECIPE_HEADERS);
  const t = { parse: 0n, key: 0n, lookup: 0n, recipe: 0n, entry: 0n, store: 0n };
  let n = 0;
  const one = async (timed) => {
    const raw = Buffer.from(request(stream, ++n));
    const req = { method: 'POST', url: '/v1/chat/completions', originalUrl: '/v1/chat/completions', headers };
    let a = process.hrtime.bigint();
    const lap = (step) => {
      const b = process.hrtime.bigint();
      if (timed) t[step] += b - a;
      a = b;
    };
    const body = JSON.parse(raw.toString('utf8'));
    lap('parse');
    // As the response cache keys a miss: no memo entry until the cache answers a repeat.
    const keyed = keyer.key(
      { method: 'POST', url: req.url, headers, body, rawBody: raw },
      { remember: false },
    );
    lap('key');
    await cache.get(keyed.key, { allowStale: true, record: false });
    lap('lookup');
    const recipe = buildRecipe({ ...req, rawBody: raw, body }, recipeHeaders, 64 * 1024);
    lap('recipe');
    // The answer arrives as socket chunks; the entry is built from copies, as the capture holds them.
    const chunks = [
      Buffer.from(reply.subarray(0, reply.length >> 1)),
      Buffer.from(reply.subarray(reply.length >> 1)),
    ];
    a = process.hrtime.bigint();
    const verdict = buildEntry({
      head: upstreamHead,
      chunks,
      keyed,
      tags: [],
      extraHeaders: new Set(),
      recipe,
    });
    if (!verdict.ok) throw new Error(`answer refused: ${verdict.reason}`);
    lap('entry');
    await cache.set(keyed.key, verdict.input);
    lap('store');
  };
  for (let i = 0; i < N; i++) await one(false);
  for (let i = 0; i < N; i++) await one(true);
  const us = {};
  for (const [step, ns] of Object.entries(t)) us[step] = Number(ns) / N / 1000;
  return us;
}

(async () => {
  const rows = [];
  for (const stream of [false, true]) {
    const proxy = [];
    const parts = [];
    for (let i = 0; i < ROUNDS; i++) {
      proxy.push(await proxyCpu(stream));
      parts.push(await steps(stream));
    }
    const cpu = median(proxy);
    const step = {};
    for (const name of Object.keys(parts[0])) step[name] = median(parts.map((p) => p[name]));
    const total = Object.values(step).reduce((x, y) => x + y, 0);
    rows.push({ stream, cpu, step, total, ceiling: cpu / (cpu + total) });
  }
  console.log(
    `\nnode ${process.version}, ${ROUNDS} rounds (medians): bare proxy under autocannon (50 connections, ` +
      `${DURATION} s, a new request each time); the steps over ${N} unique requests in one process\n`,
  );
  console.log(
    '| answer | bare proxy CPU us/req | parse | key | lookup | recipe | entry | store | steps | best possible ratio | target |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const { stream, cpu, step, total, ceiling } of rows) {
    const f = (x) => x.toFixed(1);
    console.log(
      `| ${stream ? '200-event SSE' : '2 KB JSON'} | ${cpu.toFixed(0)} | ${f(step.parse)} | ${f(step.key)} | ` +
        `${f(step.lookup)} | ${f(step.recipe)} | ${f(step.entry)} | ${f(step.store)} | ${f(total)} | ` +
        `${ceiling.toFixed(2)} | ${TARGET} |`,
    );
  }
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
