// The hit path without HTTP: the middleware driven with in-memory request/response objects, so its own
// cost can be read apart from the socket and the load generator. Run after a build: `node bench/hit-inprocess.js`.
const { Readable } = require('node:stream');
const { createCache, memoryStore } = require('@gatecache/core');
const { responseCache } = require('@gatecache/response-cache');
const { request, answer } = require('./payloads');
const cache = createCache({ tiers: [memoryStore()] });
const mw = responseCache({ cache });
function fakeReq() {
  const r = Readable.from([Buffer.from(request(false))]);
  r.method = 'POST';
  r.url = '/v1/chat/completions';
  r.originalUrl = '/v1/chat/completions';
  r.headers = {
    'content-type': 'application/json',
    authorization: 'Bearer sk-bench',
    'content-length': String(Buffer.byteLength(request(false))),
  };
  r.socket = { localAddress: '127.0.0.1', localPort: 1 };
  return r;
}
function fakeRes(done) {
  const h = {};
  return {
    headersSent: false,
    writableEnded: false,
    statusCode: 200,
    setHeader: (k, v) => (h[k.toLowerCase()] = v),
    getHeader: (k) => h[k.toLowerCase()],
    removeHeader: (k) => delete h[k],
    hasHeader: (k) => k in h,
    getHeaders: () => h,
    writeHead(s) {
      this.statusCode = s;
      this.headersSent = true;
      return this;
    },
    write() {
      return true;
    },
    end() {
      this.writableEnded = true;
      done();
      return this;
    },
    on() {
      return this;
    },
    once() {
      return this;
    },
    emit() {},
  };
}
(async () => {
  // Store the answer under the key the middleware will compute, as a miss would have.
  const { createKeyer } = require('@gatecache/cache-key');
  const k = createKeyer().key({
    method: 'POST',
    url: '/v1/chat/completions',
    headers: { authorization: 'Bearer sk-bench' },
    body: JSON.parse(request(false)),
  }).key;
  await cache.set(k, {
    body: answer,
    status: 200,
    kind: 'json',
    headers: { 'content-type': 'application/json' },
  });
  const one = () =>
    new Promise((resolve) =>
      mw(fakeReq(), fakeRes(resolve), () => {
        console.error('unexpected miss');
        resolve();
      }),
    );
  for (let i = 0; i < 2000; i++) await one();
  const N = 20000;
  const t = process.hrtime.bigint();
  for (let i = 0; i < N; i++) await one();
  console.log('us per hit', Number(process.hrtime.bigint() - t) / N / 1000);
  const t2 = process.hrtime.bigint();
  for (let i = 0; i < N; i++)
    await new Promise((resolve) => {
      const r = fakeReq();
      const c = [];
      r.on('data', (d) => c.push(d));
      r.on('end', () => {
        JSON.parse(Buffer.concat(c).toString());
        resolve();
      });
    });
  console.log('us per body read baseline', Number(process.hrtime.bigint() - t2) / N / 1000);
})();
