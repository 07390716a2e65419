'use strict';
// Seeded workload simulator for @gatecache/warming: simulated time (an injected clock), Zipf-distributed
// prompts whose popularity follows a daily cycle (each prompt peaks at its own hour), TTL expiry, and an
// in-process loader standing in for the provider. It drives the real core cache, accessTracker, cacheWarmer
// (through its `replay` option) and tuningAdvisor; only the clock and the provider are simulated.
//
//   npm run build && node bench/warming-sim.js [--seed 1] [--days 3] [--json]
//
// Reports hit rate and upstream calls for no warming, popularity warming and popularity + predictive
// warming at two cache sizes, and the advisor's predicted hit rate at one size against the hit rate
// measured by running that size.

const { createCache, memoryStore, seededRandom } = require('@gatecache/core');
const { accessTracker, cacheWarmer, tuningAdvisor } = require('@gatecache/warming');

const arg = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};

const SEED = arg('seed', 1);
const DAYS = arg('days', 3);
const DAY = 86_400;
const PROMPTS = 4000; // distinct prompts
const ZIPF_S = 1.0;
const DIURNAL = 0.8; // amplitude of each prompt's own daily cycle
const BASE_RATE = 0.5; // requests per second, averaged over a day
const TTL = 1800; // response namespace TTL, seconds
const SIZES_MB = [0.5, 4];
const INTERVAL = 300; // warm cycle, seconds
const MB = 1024 * 1024;
const START = Date.UTC(2025, 0, 1);

/** The request stream: the same for every configuration, so runs differ only in the cache and warmer. */
function workload(seed, days) {
  const random = seededRandom(seed);
  const cdf = [];
  let total = 0;
  for (let i = 1; i <= PROMPTS; i++) cdf.push((total += 1 / Math.pow(i, ZIPF_S)));
  const phase = Array.from({ length: PROMPTS }, () => random());
  const pick = (u) => {
    let lo = 0;
    let hi = PROMPTS - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  // Overall traffic peaks mid-afternoon and dips at night.
  const rate = (t) => BASE_RATE * (1 + 0.5 * Math.cos(2 * Math.PI * (t / DAY - 0.6)));
  const maxRate = BASE_RATE * 1.5;
  const out = [];
  let t = 0;
  while (t < days * DAY) {
    t += -Math.log(1 - random()) / maxRate; // thinning: candidate arrivals at the peak rate
    if (random() > rate(t) / maxRate) continue;
    // Each prompt follows its own daily cycle (topics of the morning, of the evening...).
    for (;;) {
      const i = pick(random() * total);
      const w = 1 + DIURNAL * Math.cos(2 * Math.PI * (t / DAY - phase[i]));
      if (random() * (1 + DIURNAL) <= w) {
        out.push({ t, prompt: i });
        break;
      }
    }
  }
  return out;
}

const keyOf = (i) => `response:openai:chat.completions:gpt-4o-mini:global:p${i}`;
const promptOf = (key) => Number(key.slice(key.lastIndexOf(':p') + 2));

/** What the provider would answer: a chat completion of a realistic size. */
function answer(i) {
  return Buffer.from(
    JSON.stringify({
      id: `chatcmpl-${i}`,
      object: 'chat.completion',
      model: 'gpt-4o-mini',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: `Answer to prompt ${i}. ${'lorem ipsum '.repeat(60)}` },
          finish_reason: 'stop',
        },
      ],
      usage: { prompt_tokens: 40, completion_tokens: 200, total_tokens: 240 },
    }),
  );
}

function recipe(i) {
  const body = JSON.stringify({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: `prompt ${i}` }],
  });
  return {
    v: 1,
    method: 'POST',
    path: '/v1/chat/completions',
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(body).toString('base64'),
  };
}

async function run(requests, { sizeMb, warming, predictive, advise }) {
  let now = START;
  const clock = { now: () => now };
  const cache = createCache({
    clock,
    tiers: [memoryStore({ clock, maxSizeMb: sizeMb })],
    namespaces: { response: { ttl: TTL } },
  });
  const tracker = accessTracker({ cache, clock, patternWindow: 3600, buckets: 12, topK: 256 });
  const advisor = advise ? tuningAdvisor({ cache, clock, ttls: [TTL] }) : undefined;
  const calls = { client: 0, warm: 0 };
  const warmedKeys = new Set();
  const warmer = warming
    ? cacheWarmer({
        cache,
        tracker,
        clock,
        enabled: false, // cycles are driven below, on simulated time
        namespaces: ['response'],
        interval: INTERVAL,
        refreshAhead: INTERVAL, // everything expiring before the next cycle is due now
        preloadThreshold: 5,
        batchSize: 50,
        maxConcurrent: 4,
        budget: { perHour: 1000 },
        predictive,
        predictionWindow: 1800,
        replay: async (_recipe, ctx) => {
          calls.warm++;
          warmedKeys.add(ctx.key);
          return {
            status: 200,
            headers: { 'content-type': 'application/json' },
            body: answer(promptOf(ctx.key)),
          };
        },
      })
    : undefined;

  const measureFrom = START + DAY * 1000; // the first day warms the cache and the tracker up
  const all = { requests: 0, hits: 0 };
  const steady = { requests: 0, hits: 0, client: 0, warm0: 0 };
  let nextCycle = START + INTERVAL * 1000;
  let steadyStarted = false;
  for (const { t, prompt } of requests) {
    const at = START + t * 1000;
    while (warmer && nextCycle <= at) {
      now = nextCycle;
      await warmer.runCycle();
      nextCycle += INTERVAL * 1000;
    }
    now = at;
    if (!steadyStarted && at >= measureFrom) {
      steadyStarted = true;
      steady.warm0 = calls.warm;
    }
    const key = keyOf(prompt);
    const hit = await cache.get(key);
    all.requests++;
    if (hit) all.hits++;
    if (steadyStarted) {
      steady.requests++;
      if (hit) steady.hits++;
    }
    if (!hit) {
      calls.client++;
      if (steadyStarted) steady.client++;
      await cache.set(key, {
        body: answer(prompt),
        status: 200,
        kind: 'json',
        headers: { 'content-type': 'application/json' },
        provider: 'openai',
        endpoint: 'chat.completions',
        model: 'gpt-4o-mini',
        tenant: 'global',
        usage: { inputTokens: 40, outputTokens: 200 },
        extra: { recipe: recipe(prompt) },
      });
    }
  }
  const advice = advisor ? (await advisor.advice()).namespaces.response : undefined;
  const stats = warmer ? warmer.stats() : undefined;
  warmer?.close();
  tracker.close();
  advisor?.close();
  await cache.close();
  return {
    hitRate: steady.hits / steady.requests,
    allHitRate: all.hits / all.requests,
    requests: steady.requests,
    clientUpstream: steady.client,
    warmUpstream: calls.warm - steady.warm0,
    warmedKeys,
    efficiency: stats ? stats.efficiency : undefined,
    advisor,
    advice,
  };
}

const pct = (x) => `${(100 * x).toFixed(1)}%`;

async function main() {
  const requests = workload(SEED, DAYS);
  const rows = [];
  const noWarm = {};
  for (const sizeMb of SIZES_MB) {
    for (const [mode, warming, predictive] of [
      ['no warming', false, false],
      ['popularity', true, false],
      ['popularity + predictive', true, true],
    ]) {
      const r = await run(requests, { sizeMb, warming, predictive, advise: !warming });
      if (!warming) noWarm[sizeMb] = r;
      rows.push({ sizeMb, mode, ...r });
    }
  }
  const byMode = (size, mode) => rows.find((r) => r.sizeMb === size && r.mode === mode);

  console.log(
    `workload: seed ${SEED}, ${DAYS} simulated days (first day is warm-up, not measured), ` +
      `${requests.length} requests, ${PROMPTS} prompts, Zipf s=${ZIPF_S}, daily cycle per prompt ` +
      `(amplitude ${DIURNAL}), TTL ${TTL} s, warm cycle ${INTERVAL} s\n`,
  );
  console.log(
    '| cache | warming | hit rate | client misses (upstream) | warm calls (upstream) | upstream total | warm efficiency |',
  );
  console.log('| ---: | --- | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    console.log(
      `| ${r.sizeMb} MB | ${r.mode} | ${pct(r.hitRate)} | ${r.clientUpstream} | ${r.warmUpstream} | ` +
        `${r.clientUpstream + r.warmUpstream} | ${r.efficiency === undefined ? '-' : pct(r.efficiency)} |`,
    );
  }
  console.log(`\nmeasured requests (days 2-${DAYS}): ${rows[0].requests}`);
  for (const size of SIZES_MB) {
    const pop = byMode(size, 'popularity').warmedKeys;
    const pred = byMode(size, 'popularity + predictive').warmedKeys;
    const only = [...pred].filter((k) => !pop.has(k)).length;
    console.log(
      `\n${size} MB: keys warmed: popularity ${pop.size}, popularity + predictive ${pred.size} ` +
        `(${only} not warmed by popularity alone)`,
    );
  }

  console.log(
    '\nAdvisor (SHARDS, 1024 sampled keys) vs measured, no warming, whole run, TTL ' + TTL + ' s:\n',
  );
  console.log('| advisor fed by | predicts for | predicted hit rate | measured hit rate | error |');
  console.log('| ---: | ---: | ---: | ---: | ---: |');
  for (const from of SIZES_MB) {
    for (const to of SIZES_MB) {
      const { advisor, advice } = noWarm[from];
      const entries = Math.floor((to * MB) / advice.avgEntryBytes);
      const predicted = advisor.predict('response', entries, TTL);
      const measured = noWarm[to].allHitRate;
      console.log(
        `| ${from} MB run | ${to} MB (${entries} entries) | ${pct(predicted)} | ${pct(measured)} | ` +
          `${((predicted - measured) * 100).toFixed(1)} pts |`,
      );
    }
  }
  const a = noWarm[SIZES_MB[1]].advice;
  console.log(
    `\nAdvisor recommendation (from the ${SIZES_MB[1]} MB run): ${a.recommended.entries} entries ` +
      `(${a.recommended.mb.toFixed(2)} MB), TTL ${a.recommended.ttl} s, hit rate ${pct(a.recommended.hitRate)}; ` +
      `best ${pct(a.maxHitRate)}; sample rate ${a.sampleRate.toFixed(3)}, distinct keys ~${a.distinctKeys}`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
