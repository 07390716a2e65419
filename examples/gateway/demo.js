// `npm run demo`: the caching guide's Performance Impact table, measured live on the mock provider.
// The same seeded workload runs through the gateway twice: caching off, then on (DEMO_REQUESTS, DEMO_CONCURRENCY,
// DEMO_PROMPTS, MOCK_LATENCY_MS, MOCK_ERROR_RATE override the defaults).
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { seeded } = require('@gatecache/example-mock-provider');
const { startGateway } = require('./gateway');

const REQUESTS = Number(process.env.DEMO_REQUESTS ?? 300);
const CONCURRENCY = Number(process.env.DEMO_CONCURRENCY ?? 16);
const PROMPTS = Number(process.env.DEMO_PROMPTS ?? 40);
const LATENCY = process.env.MOCK_LATENCY_MS ?? '500';
const ERRORS = process.env.MOCK_ERROR_RATE ?? '0.05';

/** Zipf-like popularity: a few questions are asked often, most rarely. */
function workload() {
  const random = seeded(42);
  const weights = Array.from({ length: PROMPTS }, (_, i) => 1 / (i + 1));
  const total = weights.reduce((a, b) => a + b, 0);
  return Array.from({ length: REQUESTS }, () => {
    let r = random() * total;
    let i = 0;
    while (r > weights[i] && i < PROMPTS - 1) r -= weights[i++];
    return i;
  });
}

async function run(label, configPath, dir) {
  const gateway = await startGateway({
    env: {
      ...process.env,
      OPENAI_BASE_URL: '',
      ANTHROPIC_BASE_URL: '',
      PORT: '0',
      HOST: '127.0.0.1',
      MOCK_LATENCY_MS: LATENCY,
      MOCK_ERROR_RATE: ERRORS,
      GATECACHE_CONFIG: configPath,
      GATECACHE_DISK_PATH: join(dir, label),
    },
    log: () => {},
  });
  const rssBefore = process.memoryUsage().rss;
  const queue = workload();
  const latencies = [];
  let errors = 0;
  let next = 0;
  const worker = async () => {
    while (next < queue.length) {
      const prompt = queue[next++];
      const started = performance.now();
      const res = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer sk-demo' },
        body: JSON.stringify({
          model: 'gpt-4o-mini',
          temperature: 0,
          messages: [{ role: 'user', content: `Question number ${prompt}: how does caching help?` }],
        }),
      }).catch(() => undefined);
      if (res) await res.arrayBuffer();
      latencies.push(performance.now() - started);
      if (!res || res.status >= 400) errors++;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - t0) / 1000;
  const stats = await gateway.gatecache.cache.stats();
  const result = {
    label,
    avgMs: latencies.reduce((a, b) => a + b, 0) / latencies.length,
    upstream: gateway.mock.stats().calls,
    errorRate: errors / latencies.length,
    cacheMb: (stats.tiers?.memory?.bytes ?? 0) / 1048576,
    rssMb: (process.memoryUsage().rss - rssBefore) / 1048576,
    seconds,
  };
  await gateway.close();
  return result;
}

function table(rows) {
  const [off, on] = rows;
  const pct = (a, b) => (a === 0 ? '-' : `${(((b - a) / a) * 100).toFixed(0)}%`);
  const lines = [
    ['Metric', 'Without cache', 'With cache', 'Change'],
    ['Average latency', `${off.avgMs.toFixed(0)} ms`, `${on.avgMs.toFixed(0)} ms`, pct(off.avgMs, on.avgMs)],
    ['Upstream API calls', String(off.upstream), String(on.upstream), pct(off.upstream, on.upstream)],
    [
      'Error rate',
      `${(off.errorRate * 100).toFixed(1)}%`,
      `${(on.errorRate * 100).toFixed(1)}%`,
      pct(off.errorRate, on.errorRate),
    ],
    ['Cache memory', `${off.cacheMb.toFixed(2)} MB`, `${on.cacheMb.toFixed(2)} MB`, ''],
    ['Process RSS growth', `${off.rssMb.toFixed(1)} MB`, `${on.rssMb.toFixed(1)} MB`, ''],
    ['Wall time', `${off.seconds.toFixed(1)} s`, `${on.seconds.toFixed(1)} s`, pct(off.seconds, on.seconds)],
  ];
  const widths = lines[0].map((_, c) => Math.max(...lines.map((l) => l[c].length)));
  const fmt = (l) => `| ${l.map((cell, c) => cell.padEnd(widths[c])).join(' | ')} |`;
  return [
    fmt(lines[0]),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...lines.slice(1).map(fmt),
  ].join('\n');
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'gatecache-demo-'));
  try {
    const off = join(dir, 'off.yaml');
    writeFileSync(off, 'caching:\n  enabled: false\ndisk:\n  enabled: false\nwarming:\n  enabled: false\n');
    const on = join(dir, 'on.yaml');
    writeFileSync(on, 'disk:\n  enabled: false\nwarming:\n  enabled: false\n');
    console.log(
      `gatecache demo: ${REQUESTS} chat requests over ${PROMPTS} distinct prompts (seeded, Zipf-like), ` +
        `${CONCURRENCY} at a time, mock provider with ${LATENCY} ms latency and ${ERRORS} error rate\n`,
    );
    const rows = [];
    for (const [label, path] of [
      ['without', off],
      ['with', on],
    ]) {
      process.stdout.write(`running ${label} the cache... `);
      rows.push(await run(label, path, dir));
      console.log(`done in ${rows.at(-1).seconds.toFixed(1)} s`);
    }
    console.log(`\n${table(rows)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
