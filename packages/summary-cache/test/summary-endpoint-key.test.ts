import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { RequestHandler } from 'express';
import { createProxyMiddleware } from 'http-proxy-middleware';
import { createCache } from '@gatecache/core';
import { proxyRequestBody, responseCache } from '@gatecache/response-cache';
import { summaryEndpointKey } from '../src';
import { post, startUpstream } from './helpers/servers';
import type { Upstream } from './helpers/servers';

describe('summaryEndpointKey', () => {
  let upstream: Upstream;
  let server: http.Server;
  const agent = new http.Agent({ keepAlive: true });
  afterEach(async () => {
    agent.destroy();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await upstream.close();
  });

  it('stores a summarization endpoint’s answers in the summary namespace with the summary key format', async () => {
    upstream = await startUpstream();
    const cache = createCache();
    const app = express();
    // A summarization route that speaks chat completions, mounted under its own prefix.
    app.use(
      '/summarize',
      responseCache({ cache, key: summaryEndpointKey() }),
      createProxyMiddleware({
        target: `${upstream.url}/v1`,
        changeOrigin: true,
        agent,
        on: { proxyReq: proxyRequestBody },
      }) as RequestHandler,
    );
    server = http.createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/summarize/chat/completions`;
    const body = {
      model: 'gpt-4o-mini',
      max_tokens: 200,
      messages: [{ role: 'user', content: 'summarize this' }],
    };
    const first = await post(url, body);
    const second = await post(url, body);
    expect(first.status).toBe(200);
    expect(second.headers.get('x-cache')).toBe('HIT');
    expect(upstream.calls).toBe(1);
    expect(second.headers.get('x-gatecache-key')).toMatch(/^summary:[0-9a-f]{64}:200:gpt-4o-mini$/);
    const keys: string[] = [];
    for await (const k of cache.keys('summary:*')) keys.push(k);
    expect(keys).toHaveLength(1);
    // Another tenant gets its own entry.
    await post(url, body, { authorization: 'Bearer sk-other' });
    expect(upstream.calls).toBe(2);
  });
});
