// Resident memory of the memory tier under a sustained write load, against its byte cap (DESIGN: within 10% +
// 20 MB of max_size_mb). Each scenario runs in a fresh process: the baseline does the same writes into nothing,
// so RSS(subject) - RSS(baseline) is what the tier holds. Run after a build: node bench/memory-rss.js
const { fork } = require('node:child_process');

const CAP_MB = Number(process.env.RSS_CAP_MB ?? 64);
const SIZES = (process.env.RSS_BODY_BYTES ?? '600,2000,20000').split(',').map(Number);

if (process.argv[2] === 'child') {
  const { createCache, memoryStore } = require('../dist/index.js');
  const [, , , mode, bytes] = process.argv;
  const size = Number(bytes);
  const chunk = Buffer.alloc(size, 'a');
  (async () => {
    const cache = mode === 'tier' ? createCache({ tiers: [memoryStore({ maxSizeMb: CAP_MB })] }) : undefined;
    const sink = [];
    let transient = [];
    // Three times the cap, in bodies built the way a captured answer is (Buffer.concat of received chunks),
    // with short-lived buffers cut from Node's shared pool in between, as a gateway cuts request bytes.
    const n = Math.ceil((3 * CAP_MB * 1024 * 1024) / size);
    for (let i = 0; i < n; i++) {
      transient.push(Buffer.from('x'.repeat(700)), Buffer.from('y'.repeat(300)));
      if (transient.length > 8) transient = [];
      const body = Buffer.concat([chunk.subarray(0, size >> 1), chunk.subarray(size >> 1)]);
      const input = { body, status: 200, kind: 'json', headers: { 'content-type': 'application/json' } };
      if (cache)
        await cache.set(`response:openai:chat.completions:m:t:${i.toString(16).padStart(64, '0')}`, input);
      else if (sink.push(body) > 64) sink.length = 0;
    }
    global.gc();
    await new Promise((r) => setTimeout(r, 200));
    global.gc();
    const stats = cache ? await cache.stats() : undefined;
    const m = process.memoryUsage();
    process.send({
      rss: m.rss,
      heap: m.heapUsed,
      buffers: m.arrayBuffers,
      accounted: stats?.memoryBytes ?? 0,
      entries: stats?.entries ?? 0,
    });
  })();
} else {
  const run = (mode, size) =>
    new Promise((resolve, reject) => {
      const child = fork(__filename, ['child', mode, String(size)], { execArgv: ['--expose-gc'] });
      child.once('message', (m) => {
        child.kill();
        resolve(m);
      });
      child.once('error', reject);
    });
  (async () => {
    const MB = 1024 * 1024;
    console.log(
      `memory tier capped at ${CAP_MB} MB, 3x the cap written; RSS over a baseline process that keeps nothing\n`,
    );
    console.log(
      '| body bytes | entries kept | RSS held (MB) | live buffers (MB) | bound: cap x 1.1 + 20 MB | within |',
    );
    console.log('| ---: | ---: | ---: | ---: | ---: | --- |');
    for (const size of SIZES) {
      const base = await run('none', size);
      const tier = await run('tier', size);
      const held = (tier.rss - base.rss) / MB;
      const bound = CAP_MB * 1.1 + 20;
      console.log(
        `| ${size} | ${tier.entries} | ${held.toFixed(1)} | ${((tier.buffers - base.buffers) / MB).toFixed(1)} | ` +
          `${bound.toFixed(1)} | ${held <= bound ? 'yes' : '**no**'} |`,
      );
      if (process.env.RSS_DEBUG)
        console.error({
          size,
          accountedMb: tier.accounted / MB,
          heapMb: (tier.heap - base.heap) / MB,
          buffersMb: (tier.buffers - base.buffers) / MB,
        });
    }
  })();
}
