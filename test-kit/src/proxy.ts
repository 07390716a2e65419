// The stack most tests put under load: Express, a cache middleware and http-proxy-middleware in front of an
// upstream on loopback, the request body re-sent with response-cache's proxyRequestBody.
import { proxyRequestBody } from '@gatecache/response-cache';
import express from 'express';
import type { Express, RequestHandler } from 'express';
import { createProxyMiddleware } from 'http-proxy-middleware';
import * as http from 'node:http';
import { listen } from './http';
import type { Listening } from './http';

export interface ProxyStackOptions {
  /** The upstream's origin; requests go to `upstream + mount + path`. */
  upstream: string;
  /** The middleware in front of the proxy (a response cache). */
  cache: RequestHandler;
  /** Where the cache and the proxy are mounted. Default `/`. */
  mount?: string;
  /** Set up before the cache: routers (admin, metrics), extra routes. */
  before?: (app: Express) => void;
}

export interface ProxyStack extends Listening {
  app: Express;
}

export async function proxyStack(options: ProxyStackOptions): Promise<ProxyStack> {
  const mount = options.mount ?? '/';
  const agent = new http.Agent({ keepAlive: true });
  const app = express();
  options.before?.(app);
  app.use(
    mount,
    options.cache,
    createProxyMiddleware({
      target: mount === '/' ? options.upstream : `${options.upstream}${mount}`,
      changeOrigin: true,
      agent,
      on: { proxyReq: proxyRequestBody },
    }) as RequestHandler,
  );
  const listening = await listen(app);
  return {
    ...listening,
    app,
    async close() {
      agent.destroy();
      await listening.close();
    },
  };
}
