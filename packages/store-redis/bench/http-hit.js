'use strict';
// HTTP hit path of a gateway (Express + responseCache + http-proxy-middleware) answering from the Redis tier
// only (memory tier off), as a ratio to the same gateway answering from the memory tier only, with and
// without ioredis auto-pipelining, all in one run. Each gateway runs in a child process (http-hit-server.js)
// so autocannon does not share its event loop.
// Run after a build:
//   npx tsc -b packages/core/tsconfig.build.json packages/response-cache/tsconfig.build.json \
//     packages/store-redis/tsconfig.build.json && node packages/store-redis/bench/http-hit.js
// REDIS_URL to use an existing server (else one is started on a free port); BENCH_DURATION (s, default 5),
// BENCH_CONNECTIONS (default 50), BENCH_ROUNDS (default 2: the scenarios run interleaved, figures averaged).
const { fork } = require('node:child_process');
const http = require('node:http');
const { join } = require('node:path');
const autocannon = require('autocannon');
const { benchRedis } = require('./redis');

const DURATION = Number(process.env.BENCH_DURATION || 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS || 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS || 2);

// The same 2 KB answer and request as the root HTTP benchmarks.
const { answer: ANSWER, request } = require('../../../bench/payloads');
const REQUEST = request(false);
const HEADERS = { 'content-type': 'application/json', authorization: 'Bearer sk-bench' };

/** The provider stand-in: the 2 KB answer for every request (only the warm-up miss reaches it). */
function startUpstream() {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': ANSWER.length }).end(ANSWER);
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${server.address().port}`,
        close: () => new Promise((r) => (server.closeAllConnections(), server.close(r))),
      }),
    ),
  );
}

function startGateway(args) {
  return new Promise((resolve, reject) => {
    const child = fork(join(__dirname, 'http-hit-server.js'), args, {
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    child.stdout.once('data', (d) => resolve({ child, url: d.toString().trim() }));
    child.once('exit', (code) => reject(new Error(`http-hit-server ${args.join(' ')} exited ${code}`)));
  });
}

function stop(child) {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', resolve);
    child.kill('SIGKILL');
  });
}

const statsOf = (child) =>
  new Promise((resolve) => {
    child.once('message', resolve);
    child.send('stats');
  });

async function scenario(args) {
  const { child, url } = await startGateway(args);
  try {
    // The first request is the miss that fills the cache; the rest warm the JIT and the connections.
    for (let i = 0; i < 50; i++) {
      const res = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: HEADERS,
        body: REQUEST,
      });
      await res.arrayBuffer();
      if (i > 0 && res.headers.get('x-cache') !== 'HIT') throw new Error(`${args[0]}: warm-up was not a hit`);
    }
    const before = await statsOf(child);
    const result = await autocannon({
      url: `${url}/v1/chat/completions`,
      connections: CONNECTIONS,
      duration: DURATION,
      method: 'POST',
      headers: HEADERS,
      body: REQUEST,
    });
    if (result.non2xx || result.errors)
      throw new Error(`${args.join(' ')}: ${result.non2xx} non-2xx, ${result.errors} errors`);
    // Every request of the run must have been a hit, answered by the tier under test (the only one).
    const after = await statsOf(child);
    const notHits = after.mw.requests - before.mw.requests - (after.mw.hits - before.mw.hits);
    if (notHits !== 0) throw new Error(`${args.join(' ')}: ${notHits} requests were not hits`);
    return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
  } finally {
    await stop(child);
  }
}

async function main() {
  const redis = await benchRedis();
  const upstream = await startUpstream();
  const scenarios = [
    ['memory tier only', ['memory', upstream.url]],
    ['redis tier only, auto-pipelining', ['redis', upstream.url, redis.url, 'on']],
    ['redis tier only, no pipelining', ['redis', upstream.url, redis.url, 'off']],
  ];
  const runs = new Map(scenarios.map(([label]) => [label, []]));
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const [label, args] of scenarios) {
        const r = await scenario(args);
        runs.get(label).push(r);
        console.error(
          `round ${round + 1}: ${label}: ${r.rps.toFixed(0)} req/s (p50 ${r.p50} ms, p99 ${r.p99} ms)`,
        );
      }
    }
  } finally {
    await upstream.close();
    await redis.stop();
  }
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const base = mean(runs.get('memory tier only').map((r) => r.rps));
  console.log(
    `\nHTTP hit path, 2 KB JSON, node ${process.version}, ${CONNECTIONS} connections, ${DURATION} s x ${ROUNDS} rounds, autocannon\n`,
  );
  console.log('| tier answering | req/s | vs memory | p50 ms | p99 ms |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const [label, rs] of runs) {
    const rps = mean(rs.map((r) => r.rps));
    const p50 = mean(rs.map((r) => r.p50));
    const p99 = mean(rs.map((r) => r.p99));
    console.log(
      `| ${label} | ${rps.toFixed(0)} | ${(rps / base).toFixed(2)}x | ${p50.toFixed(1)} | ${p99.toFixed(1)} |`,
    );
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
