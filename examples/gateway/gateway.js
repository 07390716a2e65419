// The gatecache gateway: OpenAI at /v1, Anthropic at /anthropic, the whole stack from config.yaml.
const http = require('node:http');
const https = require('node:https');
const path = require('node:path');
const express = require('express');
const { createProxyMiddleware } = require('http-proxy-middleware');
const { createGatecache, loadConfig } = require('gatecache');
const { proxyRequestBody } = require('@gatecache/response-cache');
const { createMockProvider } = require('@gatecache/example-mock-provider');

/** Ten minutes, the OpenAI SDK's own timeout: a long non-streamed answer sends nothing until it is done. */
const DEFAULT_UPSTREAM_TIMEOUT_MS = 600_000;

/** UPSTREAM_TIMEOUT_MS from the environment, checked: a typo must not turn the timeout off. */
function upstreamTimeoutMs(env) {
  const raw = env.UPSTREAM_TIMEOUT_MS;
  if (raw === undefined || raw === '') return DEFAULT_UPSTREAM_TIMEOUT_MS;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < 1) {
    throw new TypeError(`UPSTREAM_TIMEOUT_MS must be a positive integer of milliseconds (got "${raw}")`);
  }
  return ms;
}

/**
 * A proxy with a keep-alive agent (without one, http-proxy-middleware 3 sends `Connection: close` both ways)
 * and an upstream timeout: `proxyTimeout` ends a call whose upstream socket stays silent that long (no head
 * yet, or a stalled stream) with a 504 (or a cut stream), which the response cache passes to the requests that
 * joined the call and never stores.
 */
function proxyTo(target, timeoutMs = DEFAULT_UPSTREAM_TIMEOUT_MS) {
  const Agent = target.startsWith('https:') ? https.Agent : http.Agent;
  return createProxyMiddleware({
    target,
    changeOrigin: true,
    proxyTimeout: timeoutMs,
    agent: new Agent({ keepAlive: true, maxSockets: 256 }),
    // responseCache read the body to build the key: send it on.
    on: { proxyReq: proxyRequestBody },
  });
}

/**
 * Start the gateway. `env`: PORT (8000), HOST, GATECACHE_CONFIG (./config.yaml), OPENAI_BASE_URL (with /v1),
 * ANTHROPIC_BASE_URL (without /v1), OPENAI_API_KEY / ANTHROPIC_API_KEY (the gateway's own credential, for
 * warming and summaries only), GATECACHE_ADMIN_TOKEN, REDIS_URL (turns Redis on), UPSTREAM_TIMEOUT_MS
 * (600000: the proxy's upstream timeout and the response cache's follower wait), MOCK_LATENCY_MS,
 * MOCK_ERROR_RATE, MOCK_SEED. Resolves to { url, port, gatecache, close() }.
 */
async function startGateway({ env = process.env, log = (line) => console.log(line), logger } = {}) {
  // Checked before anything starts listening: a bad value must not leave a mock provider running.
  const timeoutMs = upstreamTimeoutMs(env);
  let openai = env.OPENAI_BASE_URL;
  let anthropic = env.ANTHROPIC_BASE_URL;
  let mock;
  // The gateway's own calls (warming, summaries) need a credential of its own: OPENAI_API_KEY /
  // ANTHROPIC_API_KEY with the base URLs above (read by createGatecache), or the mock's.
  let upstream;
  if (!openai && !anthropic) {
    const latencyMs = Number(env.MOCK_LATENCY_MS ?? 500);
    const errorRate = Number(env.MOCK_ERROR_RATE ?? 0.05);
    mock = createMockProvider({ latencyMs, errorRate, seed: Number(env.MOCK_SEED ?? 1) });
    const url = await mock.listen(0);
    openai = `${url}/v1`;
    anthropic = url;
    upstream = {
      openai: { baseUrl: openai, apiKey: 'mock-gateway-key' },
      anthropic: { baseUrl: anthropic, apiKey: 'mock-gateway-key' },
    };
    log(
      `gatecache gateway: OPENAI_BASE_URL and ANTHROPIC_BASE_URL are not set, so the mock provider runs in-process ` +
        `at ${url} (latency ${latencyMs} ms, error rate ${errorRate}); set them to proxy real providers`,
    );
  }
  const configPath = env.GATECACHE_CONFIG || path.join(__dirname, 'config.yaml');
  // REDIS_URL turns the shared tier on (config.yaml reads REDIS_ENABLED and REDIS_URL). The upstream timeout is
  // also the followers' wait (config.yaml reads UPSTREAM_TIMEOUT_MS): one setting for both.
  const configEnv = {
    ...(env.REDIS_URL ? { REDIS_ENABLED: 'true' } : {}),
    ...env,
    UPSTREAM_TIMEOUT_MS: String(timeoutMs),
  };
  const config = await loadConfig(configPath, { env: configEnv });
  const gatecache = await createGatecache(config, { env: configEnv, logger, upstream });

  const app = express();
  app.disable('x-powered-by');
  app.use(gatecache.routers);
  if (mock) app.get('/debug/mock/stats', (_req, res) => res.json(mock.stats()));
  // The condenser goes before the response cache: the cache keys on, and the proxy sends, the condensed request.
  if (openai) app.use('/v1/chat/completions', gatecache.contextCondenser);
  if (anthropic) app.use('/anthropic/v1/messages', gatecache.contextCondenser);
  if (openai) app.use('/v1', gatecache.responseCache, proxyTo(openai.replace(/\/+$/, ''), timeoutMs));
  if (anthropic)
    app.use('/anthropic', gatecache.responseCache, proxyTo(anthropic.replace(/\/+$/, ''), timeoutMs));

  const server = http.createServer(app);
  // Keep-alive sockets from clients must outlive load balancers' idle timeouts (60 s on most).
  server.keepAliveTimeout = 65_000;
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(env.PORT ?? 8000), env.HOST || '0.0.0.0', resolve);
  });
  const port = server.address().port;
  const url = `http://127.0.0.1:${port}`;
  const tiers = gatecache.cache.tiers.map((t) => t.name).join(' + ');
  const onOff = (v) => (v ? 'on' : 'off');
  log(
    `gatecache gateway listening on ${url} (OpenAI at ${url}/v1, Anthropic at ${url}/anthropic; tiers ${tiers}; ` +
      `warming ${onOff(gatecache.warming)}; context condensation ${onOff(gatecache.contextCondenserMiddleware)}; ` +
      `config ${configPath})`,
  );

  let closing;
  return {
    url,
    port,
    app,
    server,
    gatecache,
    mock,
    close() {
      closing ??= (async () => {
        const done = new Promise((resolve) => server.close(resolve));
        server.closeIdleConnections();
        // Requests in flight get a few seconds to finish; then their sockets are cut.
        const timer = setTimeout(() => server.closeAllConnections(), 5000);
        await done;
        clearTimeout(timer);
        await gatecache.close();
        if (mock) await mock.close();
      })();
      return closing;
    },
  };
}

module.exports = { startGateway, proxyTo, DEFAULT_UPSTREAM_TIMEOUT_MS };
