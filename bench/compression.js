// Ratio and CPU of each compression choice on what the cache stores: the fixture answers of 1 KB and more (the
// default threshold) and the bench payloads (a 2 KB chat completion, a 200-event SSE answer). Node's own timers;
// run it on each Node line: `node bench/compression.js` (zstd rows only where zlib has zstd, Node 22.15+).
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const { answer, sseAnswer } = require('./payloads');

const FIXTURES = path.join(__dirname, '..', 'fixtures');
const bodies = [answer, sseAnswer].map((b) => Buffer.from(b));
for (const dir of fs.readdirSync(FIXTURES, { withFileTypes: true })) {
  if (!dir.isDirectory()) continue;
  for (const name of fs.readdirSync(path.join(FIXTURES, dir.name))) {
    const buf = fs.readFileSync(path.join(FIXTURES, dir.name, name));
    if (buf.length >= 1024) bodies.push(buf);
  }
}
const original = bodies.reduce((n, b) => n + b.length, 0);

const hasZstd = typeof zlib.zstdCompressSync === 'function';
const choices = [
  ...[1, 6, 9].map((level) => ({
    name: `gzip ${level}`,
    c: (b) => zlib.gzipSync(b, { level }),
    d: zlib.gunzipSync,
  })),
  ...[4, 6].map((q) => ({
    name: `br ${q}`,
    c: (b) => zlib.brotliCompressSync(b, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: q } }),
    d: zlib.brotliDecompressSync,
  })),
  ...(hasZstd
    ? [1, 3, 6, 9, 19].map((level) => ({
        name: `zstd ${level}`,
        c: (b) => zlib.zstdCompressSync(b, { params: { [zlib.constants.ZSTD_c_compressionLevel]: level } }),
        d: zlib.zstdDecompressSync,
      }))
    : []),
];

/** Microseconds per pass over all bodies, the median of `rounds` timed runs after a warm-up. */
function time(fn, inputs, rounds = 15, per = 20) {
  for (let i = 0; i < per; i++) for (const b of inputs) fn(b);
  const samples = [];
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < per; i++) for (const b of inputs) fn(b);
    samples.push(Number(process.hrtime.bigint() - start) / 1000 / per);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

console.log(
  `node ${process.version}: ${bodies.length} bodies, ${original} bytes; zstd ${hasZstd ? 'yes' : 'no'}`,
);
console.log('choice    | stored bytes | ratio | compress µs/pass | decompress µs/pass');
const rows = [];
for (const choice of choices) {
  const packed = bodies.map(choice.c);
  const stored = packed.reduce((n, b) => n + b.length, 0);
  const row = {
    choice: choice.name,
    stored,
    ratio: original / stored,
    compressUs: time(choice.c, bodies),
    decompressUs: time(choice.d, packed),
  };
  rows.push(row);
  console.log(
    `${row.choice.padEnd(9)} | ${String(row.stored).padStart(12)} | ${row.ratio.toFixed(2).padStart(5)} | ` +
      `${row.compressUs.toFixed(0).padStart(16)} | ${row.decompressUs.toFixed(0).padStart(18)}`,
  );
}
if (process.argv.includes('--json')) console.log(JSON.stringify({ node: process.version, original, rows }));
