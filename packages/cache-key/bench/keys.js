// Cost of building a key on the hit path. Run after a build: node packages/cache-key/bench/keys.js
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

for (const [name, body] of Object.entries(cases)) {
  const req = { method: 'POST', url: '/v1/chat/completions', headers, body };
  for (let i = 0; i < 2000; i++) keyer.key(req);
  const samples = [];
  for (let i = 0; i < 20000; i++) {
    const t = performance.now();
    keyer.key(req);
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  const us = (q) => (samples[Math.floor(q * (samples.length - 1))] * 1000).toFixed(1);
  console.log(`${name.padEnd(30)} p50 ${us(0.5)} us  p99 ${us(0.99)} us`);
}
