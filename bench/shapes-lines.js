// shareShapes on every Node line in one run: gatecache with shareShapes on (subject) against the same server
// with it off (baseline), for a hit through Express and for a miss through http-proxy-middleware, each server
// run by Node 20 (this process's), 24 and 22 (the official builds in tools/node-lines: `npm ci --prefix
// tools/node-lines`). Writes the "shapes" section of docs/benchmarks.md.
// Run: `npm run build && npm run bench:shapes -w @gatecache/bench`.
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { start, stop, measureScenario, median } = require('./procs');
const { writeSection } = require('./report');

const DURATION = Number(process.env.BENCH_DURATION ?? 6);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);

function lines() {
  const found = [process.execPath];
  for (const line of ['24', '22']) {
    const bin = path.join(
      __dirname,
      '..',
      'tools',
      'node-lines',
      'node_modules',
      `node${line}`,
      'bin',
      'node',
    );
    if (fs.existsSync(bin)) found.push(bin);
    else console.error(`Node ${line} not installed (npm ci --prefix tools/node-lines): skipped`);
  }
  return found.map((bin) => ({ bin, version: execFileSync(bin, ['--version']).toString().trim() }));
}

const run = (scenario, upstream, execPath, opts) =>
  measureScenario(
    scenario,
    upstream,
    { ...opts, connections: CONNECTIONS, duration: DURATION },
    { execPath },
  );

(async () => {
  const { child: upstreamChild, url: upstream } = await start('upstream.js');
  const rows = [];
  try {
    for (const { bin, version } of lines()) {
      for (const [label, scenario, opts] of [
        ['hit, 2 KB JSON', 'gatecache-json', {}],
        ['miss, upstream at once', 'gatecache-miss', { unique: true }],
      ]) {
        const runs = [];
        for (let i = 0; i < ROUNDS; i++) {
          const off = await run(`${scenario}-unshared`, upstream, bin, opts);
          const on = await run(scenario, upstream, bin, opts);
          runs.push({ off, on, ratio: on.rps / off.rps, cpuRatio: off.cpu / on.cpu });
        }
        const row = {
          version,
          label,
          off: median(runs.map((r) => r.off.rps)),
          on: median(runs.map((r) => r.on.rps)),
          offCpu: median(runs.map((r) => r.off.cpu)),
          onCpu: median(runs.map((r) => r.on.cpu)),
          ratio: median(runs.map((r) => r.ratio)),
          cpuRatio: median(runs.map((r) => r.cpuRatio)),
        };
        rows.push(row);
        console.error(`${version} ${label}: on/off ${runs.map((r) => r.ratio.toFixed(2)).join(', ')}`);
      }
    }
  } finally {
    await stop(upstreamChild);
  }
  const out = [
    `gatecache with \`shareShapes\` on (the default before Node 24) against the same server with it off, ${CONNECTIONS} connections, ` +
      `${DURATION} s per run, ${ROUNDS} alternating rounds (medians). A ratio above 1 means shareShapes helps.`,
    '',
    '| Node | path | req/s on | req/s off | ratio | CPU us/req on (off) | CPU ratio |',
    '|---|---|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.version} | ${r.label} | ${r.on.toFixed(0)} | ${r.off.toFixed(0)} | ${r.ratio.toFixed(2)} | ` +
        `${r.onCpu.toFixed(0)} (${r.offCpu.toFixed(0)}) | ${r.cpuRatio.toFixed(2)} |`,
    ),
  ];
  console.log(out.join('\n'));
  if (process.env.BENCH_WRITE !== '0') {
    writeSection('shapes', {
      title: 'shareShapes on Node 20, 22 and 24',
      command:
        'npm ci --prefix tools/node-lines && npm run build && npm run bench:shapes -w @gatecache/bench',
      nodes: [...new Set(rows.map((r) => r.version))],
      body: out.join('\n'),
    });
  }
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
