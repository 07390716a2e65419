// Cost of building a key on the hit path. Run after a build: node packages/cache-key/bench/keys.js
const { createHash } = require('node:crypto');
const { performance } = require('node:perf_hooks');
const { createKeyer } = require('../dist/index.js');

const keyer = createKeyer({ tenantSecret: 'bench' });
const headers = { authorization: 'Bearer sk-bench', 'content-type': 'application/json' };
const turn = (i) => ({
  role: i % 2 ? 'assistant' : 'user',
  content: `Message ${i}: ${'lorem ipsum '.repeat(20)}`,
});
const cases = {
  'chat, 2 messages (~0.3 KB)': {
    model: 'gpt-4o-mini',
    messages: [turn(0), { role: 'user', content: 'What is the capital of France?' }],
    temperature: 0,
  },
  'chat, 20 messages (~5 KB)': {
    model: 'gpt-4o-mini',
    messages: Array.from({ length: 20 }, (_, i) => turn(i)),
  },
  'chat, 200 messages (~50 KB)': {
    model: 'gpt-4o-mini',
    messages: Array.from({ length: 200 }, (_, i) => turn(i)),
  },
};

// Baseline in the same run: what any key needs at least, serializing the body once and hashing it.
const baseline = (body) => createHash('sha256').update(JSON.stringify(body)).digest('hex');

function timeIt(fn) {
  for (let i = 0; i < 2000; i++) fn();
  const samples = [];
  for (let i = 0; i < 20000; i++) {
    const t = performance.now();
    fn();
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  return (q) => samples[Math.floor(q * (samples.length - 1))] * 1000;
}

for (const [name, body] of Object.entries(cases)) {
  const req = { method: 'POST', url: '/v1/chat/completions', headers, body };
  const key = timeIt(() => keyer.key(req));
  const base = timeIt(() => baseline(body));
  console.log(
    `${name.padEnd(30)} key p50 ${key(0.5).toFixed(1)} us  p99 ${key(0.99).toFixed(1)} us` +
      `  | JSON.stringify + sha256 p50 ${base(0.5).toFixed(1)} us  | ratio ${(key(0.5) / base(0.5)).toFixed(2)}x`,
  );
}
