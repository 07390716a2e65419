// HTTP benchmarks, every figure a ratio against a baseline measured in the same run:
//   hit path (JSON)       gatecache vs a bare Express route writing the same bytes, and apicache's hit path;
//                         also against the bare route with shareShapes (gatecache's own cost apart from the
//                         hidden-class fix it applies) and with gatecache's shareShapes off
//   hit path (SSE)        replay of a 200-event stream vs a bare route writing the same stream
//   miss path             http-proxy-middleware (keep-alive agent) with gatecache vs without (JSON, and a
//                         200-event stream sent in one write or in BENCH_STREAM_PARTS, default 20), against an upstream
//                         that answers at once (the proxy's own cost, CPU-bound) and one that takes
//                         BENCH_UPSTREAM_MS (default 50; real LLM answers take hundreds)
// Run: `npm run build && npm run bench -w @gatecache/bench` (BENCH_DURATION seconds per run, default 8).
// A full run writes its table into docs/benchmarks.md (BENCH_WRITE=0 leaves the document alone).
const http = require('node:http');
const { request } = require('./payloads');
const { start, stop, measureScenario, median } = require('./procs');
const { writeSection } = require('./report');

const DURATION = Number(process.env.BENCH_DURATION ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
// Baseline and subject alternate for several rounds and the median is reported: on a small shared machine
// one run of each can differ by 20% for reasons of its own.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const UPSTREAM_MS = Number(process.env.BENCH_UPSTREAM_MS ?? 50);
// A provider's stream arrives in many packets: one streamed-miss row has the upstream write it in this many parts.
const STREAM_PARTS = Number(process.env.BENCH_STREAM_PARTS ?? 20);

// One keep-alive connection, requests one after another, each timed with Node's clock: latency in
// microseconds, where autocannon reports whole milliseconds.
async function timedRequests(url, n) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const body = request(false);
  const one = () =>
    new Promise((resolve, reject) => {
      const t = process.hrtime.bigint();
      const req = http.request(
        `${url}/v1/chat/completions`,
        {
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            authorization: 'Bearer sk-bench',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(Number(process.hrtime.bigint() - t) / 1000));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  for (let i = 0; i < 500; i++) await one();
  const samples = [];
  for (let i = 0; i < n; i++) samples.push(await one());
  agent.destroy();
  samples.sort((a, b) => a - b);
  const at = (q) => samples[Math.floor(q * (samples.length - 1))];
  return { p50: at(0.5), p99: at(0.99) };
}

const scenario = (name, upstream, opts) =>
  measureScenario(
    name,
    upstream,
    { ...opts, connections: opts.connections ?? CONNECTIONS, duration: DURATION },
    { stream: opts.stream, measure: opts.timed ? (url) => timedRequests(url, opts.timed) : undefined },
  );

(async () => {
  const { child: upstreamChild, url: upstream } = await start('upstream.js');
  const { child: slowChild, url: slowUpstream } = await start('upstream.js', [String(UPSTREAM_MS)]);
  const { child: partsChild, url: partsUpstream } = await start('upstream.js', ['0', String(STREAM_PARTS)]);
  const rows = [];
  let latency;
  // BENCH_ONLY=miss (a substring of either scenario's name, e.g. "shapes") runs only the matching pairs.
  const only = process.env.BENCH_ONLY;
  const pair = async (label, base, baseName, subject, subjectName, opts = {}) => {
    if (only && !`${subject} ${base} ${opts.connections ?? ''}`.includes(only)) return;
    const runs = [];
    const target = opts.slow ? slowUpstream : opts.parts ? partsUpstream : upstream;
    for (let i = 0; i < ROUNDS; i++) {
      const b = await scenario(base, target, opts);
      const s = await scenario(subject, target, opts);
      runs.push({ b, s, ratio: s.rps / b.rps, cpuRatio: s.cpu / b.cpu });
    }
    const pick = (side, field) => median(runs.map((r) => r[side][field]));
    const b = { rps: pick('b', 'rps'), p50: pick('b', 'p50'), p99: pick('b', 'p99'), cpu: pick('b', 'cpu') };
    const s = { rps: pick('s', 'rps'), p50: pick('s', 'p50'), p99: pick('s', 'p99'), cpu: pick('s', 'cpu') };
    const ratio = median(runs.map((r) => r.ratio));
    // Requests per CPU-second, subject over baseline: what the ratio would be if the server had a core to itself.
    const cpuRatio = 1 / median(runs.map((r) => r.cpuRatio));
    rows.push({ label, baseName, subjectName, b, s, ratio, cpuRatio });
    console.error(
      `${label}: ${subjectName} / ${baseName} = ${runs.map((r) => r.ratio.toFixed(2)).join(', ')}` +
        ` (CPU ${runs.map((r) => (1 / r.cpuRatio).toFixed(2)).join(', ')})`,
    );
  };
  try {
    await pair('hit path, 2 KB JSON', 'bare-json', 'bare Express route', 'gatecache-json', 'gatecache hit');
    // gatecache's own cost: the same baseline with Express's per-request hidden classes undone the same way.
    await pair(
      'hit path, 2 KB JSON',
      'bare-json+shapes',
      'bare Express route + shareShapes',
      'gatecache-json',
      'gatecache hit',
    );
    await pair(
      'hit path, 2 KB JSON',
      'bare-json',
      'bare Express route',
      'gatecache-json-unshared',
      'gatecache hit, shareShapes: false',
    );
    await pair('hit path, 2 KB JSON', 'bare-json', 'bare Express route', 'apicache-json', 'apicache hit');
    await pair(
      'hit path, 2 KB JSON',
      'bare-json-read',
      'Express route behind express.json()',
      'gatecache-json',
      'gatecache hit',
    );
    await pair(
      'hit path, 2 KB JSON, cache in front of Express',
      'bare-json',
      'bare Express route',
      'gatecache-front',
      'gatecache hit',
    );
    await pair(
      'hit path, 200-event SSE',
      'bare-sse',
      'bare Express route',
      'gatecache-sse',
      'gatecache stream hit',
      { stream: true },
    );
    await pair(
      'miss path',
      'proxy-miss',
      'http-proxy-middleware',
      'gatecache-miss',
      'gatecache miss + proxy',
      { unique: true },
    );
    await pair(
      'miss path',
      'proxy-miss+shapes',
      'http-proxy-middleware + shareShapes',
      'gatecache-miss',
      'gatecache miss + proxy',
      { unique: true },
    );
    await pair(
      'miss path, 200-event SSE',
      'proxy-miss',
      'http-proxy-middleware',
      'gatecache-miss',
      'gatecache streamed miss + proxy',
      { unique: true, stream: true },
    );
    await pair(
      `miss path, 200-event SSE in ${STREAM_PARTS} writes`,
      'proxy-miss',
      'http-proxy-middleware',
      'gatecache-miss',
      'gatecache streamed miss + proxy',
      { unique: true, stream: true, parts: true },
    );
    await pair(
      `miss path, upstream ${UPSTREAM_MS} ms`,
      'proxy-miss',
      'http-proxy-middleware',
      'gatecache-miss',
      'gatecache miss + proxy',
      { unique: true, slow: true },
    );
    // One connection: latency without queueing, so the p99 difference is what a hit adds.
    await pair(
      'hit path, 1 connection',
      'bare-json',
      'bare Express route',
      'gatecache-json',
      'gatecache hit',
      {
        connections: 1,
      },
    );
    // Latency added by a hit, in microseconds: medians of ROUNDS alternating runs of LATENCY_REQUESTS each.
    if (!only || only === 'latency') {
      const n = Number(process.env.LATENCY_REQUESTS ?? 5000);
      const base = [];
      const subject = [];
      for (let i = 0; i < ROUNDS; i++) {
        base.push(await scenario('bare-json', upstream, { timed: n }));
        subject.push(await scenario('gatecache-json', upstream, { timed: n }));
      }
      const pick = (runs, f) => median(runs.map((r) => r[f]));
      latency = {
        n,
        base: { p50: pick(base, 'p50'), p99: pick(base, 'p99') },
        subject: { p50: pick(subject, 'p50'), p99: pick(subject, 'p99') },
      };
      console.error(`latency: p99 ${latency.subject.p99.toFixed(0)} us vs ${latency.base.p99.toFixed(0)} us`);
    }
  } finally {
    await stop(upstreamChild);
    await stop(slowChild);
    await stop(partsChild);
  }
  const out = [
    `${CONNECTIONS} connections, ${DURATION} s per run, ${ROUNDS} alternating rounds (medians), autocannon. ` +
      '"CPU ratio" is requests per CPU-second of the server process, subject over baseline: the cost of the ' +
      'code itself, apart from how the cores were shared with the load generator in that run.',
    '',
    '| scenario | subject | req/s | baseline | req/s | ratio | server CPU us/req (base) | CPU ratio | p50 ms (base) | p99 ms (base) |',
    '|---|---|---:|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const { label, baseName, subjectName, b, s, ratio, cpuRatio } of rows) {
    out.push(
      `| ${label} | ${subjectName} | ${s.rps.toFixed(0)} | ${baseName} | ${b.rps.toFixed(0)} | ${ratio.toFixed(2)} | ` +
        `${s.cpu.toFixed(0)} (${b.cpu.toFixed(0)}) | ${cpuRatio.toFixed(2)} | ${s.p50} (${b.p50}) | ${s.p99} (${b.p99}) |`,
    );
  }
  if (latency) {
    const { n, base, subject } = latency;
    out.push(
      '',
      `Latency of a hit (one connection, ${n} sequential requests per run, Node's clock): gatecache p50 ` +
        `${subject.p50.toFixed(0)} us, p99 ${subject.p99.toFixed(0)} us; bare Express route p50 ${base.p50.toFixed(0)} us, ` +
        `p99 ${base.p99.toFixed(0)} us; added at p99 ${(subject.p99 - base.p99).toFixed(0)} us.`,
    );
  }
  console.log(`\nnode ${process.version}\n\n${out.join('\n')}\n`);
  // Only a full run replaces the document's section: a subset would leave it with rows of different runs.
  if (!only && process.env.BENCH_WRITE !== '0') {
    writeSection('http', {
      title: 'HTTP: hit and miss paths against bare Express, a bare proxy and apicache',
      command: `npm run build && BENCH_DURATION=${DURATION} BENCH_ROUNDS=${ROUNDS} npm run bench -w @gatecache/bench`,
      body: out.join('\n'),
    });
  }
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
