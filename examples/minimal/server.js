const http = require('node:http');
const express = require('express');
const { createProxyMiddleware } = require('http-proxy-middleware');
const { createCache } = require('@gatecache/core');
const { responseCache, proxyRequestBody } = require('@gatecache/response-cache');

const target = process.env.OPENAI_BASE_URL || 'https://api.openai.com/v1';
const Agent = target.startsWith('https:') ? require('node:https').Agent : http.Agent;
const app = express();
const proxy = createProxyMiddleware({
  target,
  changeOrigin: true,
  agent: new Agent({ keepAlive: true }),
  on: { proxyReq: proxyRequestBody }, // re-send the body the cache read for its key
});
app.use('/v1', responseCache({ cache: createCache() }), proxy);
http.createServer(app).listen(Number(process.env.PORT ?? 8000));
