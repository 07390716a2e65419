// One gateway per framework/proxy combination, in its own process: `node framework-gateway.mjs <express module>
// <hpm module> <body helper> <upstream url>`. Each combination gets a fresh module graph, so Express 4 and 5
// (and hpm 3 and 4, ESM-only) never share a process. Prints `{"url": ...}` once listening; exits on SIGTERM.
import * as http from 'node:http';
import { createCache } from '@gatecache/core';
import { proxyRequestBody, responseCache } from '@gatecache/response-cache';

const [expressName, hpmName, helperName, upstream] = process.argv.slice(2);
if (!expressName || !hpmName || !helperName || !upstream) {
  console.error('usage: framework-gateway.mjs <express module> <hpm module> <body helper> <upstream url>');
  process.exit(2);
}

// Express 4 and hpm 3 are CommonJS (their exports arrive on `default`), hpm 4 is ESM.
const expressModule = await import(expressName);
const express = expressModule.default ?? expressModule;
const hpm = await import(hpmName);
const createProxyMiddleware = hpm.createProxyMiddleware ?? hpm.default?.createProxyMiddleware;
const fixRequestBody = hpm.fixRequestBody ?? hpm.default?.fixRequestBody;
const helpers = { proxyRequestBody, fixRequestBody };
const proxyReq = helpers[helperName];
if (typeof createProxyMiddleware !== 'function' || typeof proxyReq !== 'function') {
  console.error(`framework-gateway: ${hpmName} lacks createProxyMiddleware or ${helperName}`);
  process.exit(2);
}

const cache = createCache();
const agent = new http.Agent({ keepAlive: true });
const app = express();
// How many entries the cache holds: the test reads it to see that a cut stream stored nothing.
app.get('/_test/keys', async (_req, res) => {
  let n = 0;
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  for await (const _key of cache.keys()) n++;
  res.json({ keys: n });
});
app.use(
  '/v1',
  responseCache({ cache, timeouts: { drainAfterCloseMs: 300 } }),
  createProxyMiddleware({
    target: `${upstream}/v1`,
    changeOrigin: true,
    agent,
    on: { proxyReq },
  }),
);

const server = http.createServer(app);
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
});
process.on('SIGTERM', () => {
  agent.destroy();
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
