// `npm run demo`: the caching guide's Performance Impact table, measured live on the mock provider, in three
// phases on one gateway with the example's config.yaml: a cold start, the steady state after it, and a provider
// outage once every answer has expired (stale-if-error at work). The same seeded Zipf workload runs through a
// gateway with caching off for comparison. DEMO_REQUESTS, DEMO_CONCURRENCY, DEMO_PROMPTS, DEMO_TTL,
// MOCK_LATENCY_MS and MOCK_ERROR_RATE override the defaults.
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
// Short enough that the outage phase finds every answer expired without a long wait.
const TTL = Number(process.env.DEMO_TTL ?? 10);

// The guide's Performance Impact targets, checked on the steady state.
const TARGETS = { avgMs: -0.9, upstream: -0.85, errorRate: -0.9 };

/** Zipf-like popularity: a few questions are asked often, most rarely. */
function workload(seed, n = REQUESTS) {
  const random = seeded(seed);
  const weights = Array.from({ length: PROMPTS }, (_, i) => 1 / (i + 1));
  const total = weights.reduce((a, b) => a + b, 0);
  return Array.from({ length: n }, () => {
    let r = random() * total;
    let i = 0;
    while (r > weights[i] && i < PROMPTS - 1) r -= weights[i++];
    return i;
  });
}

function start(label, configPath, dir) {
  return startGateway({
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
      GATECACHE_RESPONSE_TTL: String(TTL),
    },
    log: () => {},
  });
}

/** Sends the queue through the gateway, CONCURRENCY at a time; figures for this phase only. */
async function phase(gateway, queue) {
  const callsBefore = gateway.mock.stats().calls;
  const rssBefore = process.memoryUsage().rss;
  const latencies = [];
  let errors = 0;
  let stale = 0;
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
      if (res?.headers.get('x-cache') === 'STALE') stale++;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - t0) / 1000;
  const stats = await gateway.gatecache.cache.stats();
  return {
    avgMs: latencies.reduce((a, b) => a + b, 0) / latencies.length,
    upstream: gateway.mock.stats().calls - callsBefore,
    errorRate: errors / latencies.length,
    stale,
    cacheMb: (stats.tiers?.memory?.bytes ?? 0) / 1048576,
    rssMb: (process.memoryUsage().rss - rssBefore) / 1048576,
    seconds,
  };
}

const change = (a, b) => (a === 0 ? undefined : (b - a) / a);
const pct = (x) => (x === undefined ? '-' : `${(x * 100).toFixed(0)}%`);

function table(off, on, targets) {
  const row = (name, a, b, fmt, key) => {
    const c = change(a, b);
    const goal = targets && key in targets ? targets[key] : undefined;
    const met =
      goal === undefined ? '' : c !== undefined && c <= goal ? `met (${pct(goal)})` : `MISSED (${pct(goal)})`;
    return [name, fmt(a), fmt(b), pct(c), met];
  };
  const ms = (v) => `${v.toFixed(0)} ms`;
  const lines = [
    ['Metric', 'Without cache', 'With cache', 'Change', targets ? 'Guide target' : ''],
    row('Average latency', off.avgMs, on.avgMs, ms, 'avgMs'),
    row('Upstream API calls', off.upstream, on.upstream, String, 'upstream'),
    row('Error rate', off.errorRate, on.errorRate, (v) => `${(v * 100).toFixed(1)}%`, 'errorRate'),
    ['Answered from stale entries', String(off.stale), String(on.stale), '', ''],
    ['Cache memory', `${off.cacheMb.toFixed(2)} MB`, `${on.cacheMb.toFixed(2)} MB`, '', ''],
    ['Process RSS growth', `${off.rssMb.toFixed(1)} MB`, `${on.rssMb.toFixed(1)} MB`, '', ''],
    row('Wall time', off.seconds, on.seconds, (v) => `${v.toFixed(1)} s`),
  ];
  const widths = lines[0].map((_, c) => Math.max(...lines.map((l) => l[c].length)));
  const fmt = (l) => `| ${l.map((cell, c) => cell.padEnd(widths[c])).join(' | ')} |`;
  return [
    fmt(lines[0]),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...lines.slice(1).map(fmt),
  ].join('\n');
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'gatecache-demo-'));
  const gateways = [];
  try {
    const offPath = join(dir, 'off.yaml');
    writeFileSync(
      offPath,
      'caching:\n  enabled: false\ndisk:\n  enabled: false\nwarming:\n  enabled: false\n',
    );
    console.log(
      `gatecache demo: ${REQUESTS} chat requests a phase over ${PROMPTS} distinct prompts (seeded, Zipf-like), ` +
        `${CONCURRENCY} at a time, mock provider with ${LATENCY} ms latency and ${ERRORS} error rate; ` +
        `examples/gateway/config.yaml with the response TTL at ${TTL} s\n`,
    );
    const off = await start('without', offPath, dir);
    const on = await start('with', join(__dirname, 'config.yaml'), dir);
    gateways.push(off, on);
    const names = [
      'Cold start (empty cache)',
      'Steady state (after the cold start as warm-up)',
      'Provider outage (every call fails, every answer expired)',
    ];
    const queues = [workload(42), workload(43), workload(44, Math.round(REQUESTS / 3))];
    // One gateway after the other, so that each phase's timing is its own; the cached one first, as its
    // steady state must run within the TTL of the cold start's answers.
    const rows = new Map();
    for (const [label, gateway] of [
      ['with', on],
      ['without', off],
    ]) {
      const figures = [];
      for (const [i, name] of names.entries()) {
        if (i === 2) {
          // Every answer (the last written in the phase just run) expires, then the provider fails every call:
          // the stale windows answer from the old entries.
          const wait = TTL * 1000 + 500;
          if (label === 'with') {
            process.stdout.write(`waiting ${(wait / 1000).toFixed(1)} s for every answer to expire; `);
            await sleep(wait);
          }
          gateway.mock.setErrorRate(1);
        }
        process.stdout.write(`${name} ${label} the cache... `);
        figures.push(await phase(gateway, queues[i]));
        console.log(`${figures.at(-1).seconds.toFixed(1)} s`);
      }
      rows.set(label, figures);
    }
    const results = names.map((name, i) => [name, [rows.get('without')[i], rows.get('with')[i]]]);
    for (const [name, [a, b]] of results) {
      console.log(`\n${name}\n${table(a, b, name.startsWith('Steady') ? TARGETS : undefined)}`);
    }
  } finally {
    await Promise.all(gateways.map((g) => g.close()));
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
