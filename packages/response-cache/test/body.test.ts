import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readRequestBody } from '@gatecache/providers';
import express from 'express';
import { createProxyMiddleware, fixRequestBody } from 'http-proxy-middleware';
import request from 'supertest';
import { proxyRequestBody } from '../src';
import type { CacheRequest } from '../src';
import { startUpstream } from './helpers/upstream';
import type { Upstream } from './helpers/upstream';

describe('re-sending a consumed body through http-proxy-middleware 3', () => {
  let upstream: Upstream;
  let server: http.Server;
  let agent: http.Agent;
  beforeEach(async () => {
    upstream = await startUpstream();
  });
  afterEach(async () => {
    agent.destroy();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await upstream.close();
  });

  async function proxyWith(
    on: (proxyReq: http.ClientRequest, req: CacheRequest) => void,
    json = false,
  ): Promise<string> {
    agent = new http.Agent({ keepAlive: true });
    const app = express();
    if (json) app.use(express.json());
    app.use((req, _res, next) => void readRequestBody(req as CacheRequest, 1000).then(() => next()));
    app.use(createProxyMiddleware({ target: upstream.url, agent, on: { proxyReq: on as never } }));
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('proxyRequestBody re-sends the exact bytes', async () => {
    const url = await proxyWith(proxyRequestBody);
    const text = '{"b":2,  "a":1.0}';
    await request(url).post('/v1/embeddings').set('content-type', 'application/json').send(text);
    expect(upstream.requests[0]?.body).toBe(text);
  });

  it("hpm's own fixRequestBody works too, re-serialising the parsed JSON", async () => {
    const url = await proxyWith(fixRequestBody as never);
    await request(url)
      .post('/v1/embeddings')
      .set('content-type', 'application/json')
      .send('{"b":2,  "a":1.0}');
    expect(upstream.requests[0]?.body).toBe('{"b":2,"a":1}');
  });

  it('proxyRequestBody re-sends a body that express.json consumed', async () => {
    const url = await proxyWith(proxyRequestBody, true);
    await request(url).post('/v1/embeddings').send({ a: 1 });
    expect(upstream.requests[0]?.body).toBe('{"a":1}');
  });
});

describe('proxyRequestBody and hop-by-hop headers', () => {
  it('drops the client connection headers and those Connection names, keeping the framing', () => {
    const proxyReq = http.request('http://127.0.0.1:9/v1/chat/completions', {
      method: 'POST',
      headers: {
        connection: 'close, X-Hop, content-length, host',
        'x-hop': '1',
        'keep-alive': 'timeout=0',
        'proxy-connection': 'close',
        te: 'trailers',
        upgrade: 'h2c',
        'content-length': '2',
        authorization: 'Bearer sk-kept',
      },
    });
    proxyReq.on('error', () => undefined);
    proxyRequestBody(proxyReq, { readableEnded: false } as unknown as CacheRequest);
    expect(proxyReq.getHeaderNames().sort()).toEqual(['authorization', 'content-length', 'host']);
    proxyReq.destroy();
  });
});
