'use strict';
// One gateway for the HTTP hit-path benchmark (http-hit.js forks it): Express + responseCache in front of
// http-proxy-middleware, with the tiers chosen by argv. Prints its URL once listening; answers 'stats' over IPC.
//   node http-hit-server.js <memory|redis> <upstream url> [redis url] [pipelining: on|off]
const http = require('node:http');
const express = require('express');
const { createProxyMiddleware } = require('http-proxy-middleware');
const { createCache, memoryStore } = require('../../core/dist');
const { responseCache, proxyRequestBody } = require('../../response-cache/dist');
const { redisStore } = require('../dist');

const [tier, upstream, redisUrl, pipelining] = process.argv.slice(2);

async function main() {
  let tiers;
  if (tier === 'memory') {
    tiers = [memoryStore({ maxSizeMb: 64 })];
  } else if (tier === 'redis') {
    const store = redisStore({
      url: redisUrl,
      keyPrefix: `gatecache-http-bench-${pipelining}:`,
      enableAutoPipelining: pipelining === 'on',
      // Throughput, not the fail-fast path: a busy 2-core machine must not turn slow replies into misses.
      commandTimeoutMs: 1000,
    });
    await store.ready();
    tiers = [store];
  } else {
    throw new Error(`unknown tier ${tier}`);
  }
  const cache = createCache({ tiers, tierGuard: { timeoutMs: 1000 } });
  const mw = responseCache({ cache });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const app = express();
  app.disable('x-powered-by');
  app.use(
    '/v1',
    mw,
    createProxyMiddleware({
      target: `${upstream}/v1`,
      changeOrigin: true,
      agent,
      on: { proxyReq: proxyRequestBody },
    }),
  );
  process.on('message', (msg) => {
    if (msg === 'stats') void cache.stats().then((s) => process.send({ mw: mw.stats(), tiers: s.tiers }));
  });
  const server = app.listen(0, '127.0.0.1', () => console.log(`http://127.0.0.1:${server.address().port}`));
  server.keepAliveTimeout = 60_000;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
