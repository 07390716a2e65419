// One benchmark server per process, chosen by argv[2]; prints its URL on stdout when listening.
// Running the server in its own process keeps the load generator off its event loop.
const http = require('node:http');
const express = require('express');
const { createProxyMiddleware } = require('http-proxy-middleware');
const apicache = require('apicache');
const { createCache, memoryStore } = require('@gatecache/core');
const { responseCache, proxyRequestBody, shareShapes } = require('@gatecache/response-cache');
const { answer, sseAnswer } = require('./payloads');

// A scenario name may end in '+shapes' (a baseline that runs shareShapes first, as gatecache does) or
// '-unshared' (gatecache with shareShapes off): the rows that tell gatecache's own cost apart from that of Express.
const [scenario, variant] = process.argv[2].split(/(?=[+-](?:shapes|unshared)$)/);
const upstream = process.argv[3];
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

function proxy() {
  return createProxyMiddleware({
    target: `${upstream}/v1`,
    changeOrigin: true,
    agent,
    on: { proxyReq: proxyRequestBody },
  });
}

async function build() {
  const app = express();
  app.disable('x-powered-by');
  if (variant === '+shapes') {
    app.use((req, res, next) => {
      shareShapes(req, res);
      next();
    });
  }
  const shapes = { shareShapes: variant !== '-unshared' };
  const json = { 'content-type': 'application/json', 'content-length': String(answer.length) };
  const sse = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' };
  switch (scenario) {
    case 'bare-json':
      app.post('/v1/chat/completions', (req, res) => {
        req.resume();
        res.writeHead(200, json).end(answer);
      });
      break;
    case 'bare-json-read':
      // What most gateways' POST routes do first: parse the JSON body (express.json), then answer.
      app.post('/v1/chat/completions', express.json({ limit: '1mb' }), (req, res) => {
        res.writeHead(200, json).end(answer);
      });
      break;
    case 'bare-sse':
      app.post('/v1/chat/completions', (req, res) => {
        req.resume();
        res.writeHead(200, sse).end(sseAnswer);
      });
      break;
    case 'apicache-json':
      app.use(apicache.options({ debug: false }).middleware('5 minutes'));
      app.post('/v1/chat/completions', (req, res) => {
        req.resume();
        res.writeHead(200, json).end(answer);
      });
      break;
    case 'gatecache-json':
    case 'gatecache-sse':
    case 'gatecache-miss': {
      // The cache goes first, before any route: a hit is answered without walking the router further.
      const cache = createCache({ tiers: [memoryStore({ maxSizeMb: 256 })] });
      app.use(responseCache({ cache, ...shapes }));
      app.use('/v1', proxy());
      break;
    }
    case 'gatecache-front': {
      // The cache in front of the Express app: hits never enter Express, everything else goes on to the app.
      const cache = createCache({ tiers: [memoryStore({ maxSizeMb: 256 })] });
      const cached = responseCache({ cache });
      app.use('/v1', proxy());
      return (req, res) => cached(req, res, () => app(req, res));
    }
    case 'proxy-miss':
      app.use('/v1', proxy());
      break;
    default:
      throw new Error(`unknown scenario ${scenario}`);
  }
  return app;
}

process.on('SIGINT', () => process.exit(0));
// The bench asks for this process's CPU time before and after a run: CPU per request is the middleware's cost
// apart from how the two cores were shared with the load generator during the run.
process.on('message', (m) => {
  if (m === 'cpu') process.send?.({ cpu: process.cpuUsage() });
});
build().then((handler) => {
  const server = http.createServer(handler);
  server.listen(0, '127.0.0.1', () => console.log(`http://127.0.0.1:${server.address().port}`));
  server.keepAliveTimeout = 60_000;
});
