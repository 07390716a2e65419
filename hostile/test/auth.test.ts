// Item 3 and 6 of the hostile-input issue: a token check that a respelled path walks around, and routes left
// public without a token. Every route of every router is read from the routers themselves (a new route is
// covered without touching this file), then asked for under many spellings, with no token, a wrong one and
// a narrower one: each must be refused with the JSON error body, or not routed at all (404), never served.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import type { Router } from 'express';
import { createCache, memoryStore } from '@gatecache/core';
import type { AuthScope, Cache } from '@gatecache/core';
import { cacheAdmin } from '@gatecache/admin';
import { cacheMetrics } from '@gatecache/metrics';
import { warmingRoutes } from '@gatecache/warming';
import { ADMIN_TOKEN, gateway, idleWarming } from './helpers';
import type { Gateway } from './helpers';
import { send } from '@gatecache/test-kit';

const READ_TOKEN = 'hostile-suite-read-token';
const SCRAPE_TOKEN = 'hostile-suite-scrape-token';
const WRONG_TOKEN = 'hostile-suite-wrong-token';
const RANK: Record<AuthScope, number> = { scrape: 1, read: 2, admin: 3 };
const REFUSED = new Set([401, 403, 503]);

interface RouteInfo {
  method: string;
  /** The path as the client must send it: the mount prefix, then the route's own path. */
  path: string;
  /** The scope the route's first handler asks for, or `public` when its first handler checks nothing. */
  scope: AuthScope | 'public';
}

type Layer = {
  route?: {
    path: string;
    methods: Record<string, boolean>;
    stack: Array<{ handle: { authScope?: AuthScope } }>;
  };
};

/** The routes a router serves, with the scope its first handler enforces. */
function routesOf(router: Router, prefix = ''): RouteInfo[] {
  const stack = (router as unknown as { stack: Layer[] }).stack;
  return stack.flatMap((layer) => {
    const route = layer.route;
    if (!route) return [];
    const scope = route.stack[0]?.handle.authScope ?? 'public';
    return Object.keys(route.methods)
      .filter((m) => route.methods[m])
      .map((m) => ({ method: m.toUpperCase(), path: prefix + route.path, scope }));
  });
}

/** Spellings of `path` an attacker would try: Express routes some of them to the handler, none may pass. */
function spellings(path: string): string[] {
  const segments = path.split('/').slice(1);
  const first = segments[0] ?? '';
  const rest = segments.slice(1).join('/');
  const hex = (c: string): string => `%${c.charCodeAt(0).toString(16).toUpperCase()}`;
  const alternate = [...path].map((c, i) => (i % 2 ? c.toUpperCase() : c)).join('');
  const tail = segments.at(-1) ?? '';
  const before = path.slice(0, path.length - tail.length);
  return [
    path,
    path.toUpperCase(),
    alternate,
    `${path}/`,
    `${path.toUpperCase()}/`,
    `${path}//`,
    `/${path}`,
    rest ? `/${first}//${rest}` : `/${first}//`,
    `/${hex(first[0] ?? 'x')}${first.slice(1)}${rest ? `/${rest}` : ''}`,
    `/${hex(first[0] ?? 'x').toLowerCase()}${first.slice(1)}${rest ? `/${rest}` : ''}`,
    `${before}${[...tail].map(hex).join('')}`,
    `${path};x`,
    `${path};`,
    `/.${path}`,
    `${before}./${tail}`,
    `/zz/..${path}`,
    `${path}%2F`,
    `${path}%2f`,
    `${path}/.`,
    `${path}%00`,
    `${path}%20`,
    `${path}.`,
    `${path}.json`,
    `${path}?x=1`,
    `${path}/?x=1&y`,
    `${path.toUpperCase()}?x=1`,
    `${path}#frag`,
    `${path}?token=${WRONG_TOKEN}`,
    path.replaceAll('/', '\\'),
    path.replace(/\/([^/]*)$/, '/%2E/$1'),
  ];
}

interface Answer {
  status: number;
  contentType: string;
  text: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

/** One request with the path sent byte for byte as given (fetch would normalise `/./`, `\\` and the like). */
async function raw(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<Answer> {
  const answer = await send(base, path, {
    agent,
    method,
    headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    body,
  });
  return {
    status: answer.status,
    contentType: String(answer.headers['content-type'] ?? ''),
    text: answer.text,
  };
}

/** Runs `jobs` a few at a time: thousands of requests, but never thousands of sockets. */
async function inBatches<T>(jobs: Array<() => Promise<T>>, width = 16): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < jobs.length; i += width)
    out.push(...(await Promise.all(jobs.slice(i, i + width).map((j) => j()))));
  return out;
}

const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });
const bodyFor = (method: string): string | undefined => (method === 'POST' ? '{}' : undefined);

/** Why `answer` is not a proper refusal with one of `statuses`, or undefined when it is one (or a 404). */
function notRefused(answer: Answer, method: string, statuses: number[]): string | undefined {
  if (answer.status === 404) return undefined; // not routed to any handler: nothing served
  // Node's HTTP parser turns down a request target it cannot read (a backslash) before Express sees it.
  if (answer.status === 400 && answer.text === '' && answer.contentType === '') return undefined;
  if (!statuses.includes(answer.status)) return `status ${answer.status} (want ${statuses.join('/')} or 404)`;
  if (method === 'HEAD') return undefined;
  try {
    const body = JSON.parse(answer.text) as { error?: { type?: unknown; message?: unknown } };
    if (typeof body.error?.type !== 'string' || typeof body.error.message !== 'string')
      return 'no JSON error body';
  } catch {
    return `not JSON: ${answer.text.slice(0, 60)}`;
  }
  return undefined;
}

/** The route ran its handler: neither refused by the check nor left unrouted. */
function served(answer: Answer): boolean {
  if (REFUSED.has(answer.status) || answer.status === 405) return false;
  // A handler's own 404 (`not_found`) is JSON; Express's unrouted 404 is an HTML page.
  return answer.status !== 404 || answer.contentType.startsWith('application/json');
}

/** The methods a route answers: HEAD too wherever GET is served. */
const methodsOf = (route: RouteInfo): string[] => (route.method === 'GET' ? ['GET', 'HEAD'] : [route.method]);

/**
 * Asks every protected route under every spelling with no token, a wrong one and each narrower token, and
 * returns every answer that was not a refusal. `configured: false`: no admin token, every refusal is a 503.
 */
async function probe(base: string, routes: RouteInfo[], configured = true): Promise<string[]> {
  const failures: string[] = [];
  const jobs: Array<() => Promise<void>> = [];
  for (const route of routes.filter((r) => r.scope !== 'public')) {
    const scope = route.scope as AuthScope;
    const callers: Array<[string, Record<string, string>, number[]]> = [
      ['no token', {}, configured ? [401] : [503]],
      ['a wrong token', bearer(WRONG_TOKEN), configured ? [401] : [503]],
      ['a token in the query', {}, configured ? [401] : [503]],
    ];
    if (configured && RANK[scope] > RANK.scrape)
      callers.push(['the scrape token', bearer(SCRAPE_TOKEN), [403]]);
    if (configured && RANK[scope] > RANK.read) callers.push(['the read token', bearer(READ_TOKEN), [403]]);
    for (const method of methodsOf(route)) {
      for (const spelled of spellings(route.path)) {
        for (const [who, headers, statuses] of callers) {
          // A query token opens the dashboard page on purpose; everywhere else it must count for nothing.
          if (who === 'a token in the query' && route.path.endsWith('/api/cache/dashboard')) continue;
          const path =
            who === 'a token in the query'
              ? `${spelled}${spelled.includes('?') ? '&' : '?'}token=${ADMIN_TOKEN}`
              : spelled;
          jobs.push(async () => {
            const answer = await raw(base, method, path, headers, bodyFor(method));
            const why = notRefused(answer, method, statuses);
            if (why) failures.push(`${method} ${path} with ${who}: ${why}`);
          });
        }
      }
    }
  }
  await inBatches(jobs);
  return failures;
}

/**
 * The spellings Express does route (case, a trailing slash) reach the check, not a 404: proves the probe
 * above is not vacuous. With the route's own token they are served.
 */
async function routedSpellings(base: string, routes: RouteInfo[]): Promise<string[]> {
  const failures: string[] = [];
  await inBatches(
    routes
      .filter((r) => r.scope !== 'public')
      .flatMap((route) =>
        [route.path, route.path.toUpperCase(), `${route.path}/`].map((path) => async () => {
          const refused = await raw(base, route.method, path, {}, bodyFor(route.method));
          if (refused.status !== 401)
            failures.push(`${route.method} ${path} with no token: ${refused.status}`);
          const token =
            route.scope === 'admin' ? ADMIN_TOKEN : route.scope === 'read' ? READ_TOKEN : SCRAPE_TOKEN;
          // A purge asked for with the right token stays a dry run.
          const query = route.method === 'DELETE' ? '?dry_run=true' : '';
          const answer = await raw(base, route.method, path + query, bearer(token), bodyFor(route.method));
          if (!served(answer)) failures.push(`${route.method} ${path} with its token: ${answer.status}`);
        }),
      ),
  );
  return failures;
}

/** Every route but the health probes (GET /health, /health/cache) carries the check as its first handler. */
function unguarded(routes: RouteInfo[]): string[] {
  return routes
    .filter((r) => r.scope === 'public' && !(r.method === 'GET' && /\/health(\/cache)?$/.test(r.path)))
    .map((r) => `${r.method} ${r.path}`);
}

/** The shipped config.yaml with warming on, so the warming routes are mounted too. */
function warmingConfig(dir: string): string {
  const shipped = readFileSync(join(__dirname, '../../examples/gateway/config.yaml'), 'utf8');
  const from = '  warming:\n    enabled: false\n';
  if (!shipped.includes(from))
    throw new Error('examples/gateway/config.yaml no longer has warming.enabled: false');
  const file = join(dir, 'config.yaml');
  writeFileSync(file, shipped.replace(from, '  warming:\n    enabled: true\n'));
  return file;
}

describe('the gateway example', () => {
  let gw: Gateway;
  let dir: string;
  let routes: RouteInfo[];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatecache-hostile-auth-'));
    gw = await gateway({
      GATECACHE_READ_TOKEN: READ_TOKEN,
      GATECACHE_SCRAPE_TOKEN: SCRAPE_TOKEN,
      GATECACHE_CONFIG: warmingConfig(dir),
      OPENAI_API_KEY: 'sk-gateway-own',
    });
    routes = (gw.gatecache.routers as Router[]).flatMap((r) => routesOf(r));
  });
  afterAll(async () => {
    await gw.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('mounts the admin, metrics and warming routes, each but the health probes guarded by its own route', () => {
    const paths = routes.map((r) => `${r.method} ${r.path}`);
    expect(paths).toEqual(
      expect.arrayContaining([
        'DELETE /api/cache',
        'GET /metrics',
        'GET /metrics/prometheus',
        'GET /api/cache/stats',
        'GET /api/cache/dashboard',
        'POST /api/cache/warm',
        'GET /api/cache/warming/status',
        'GET /health',
      ]),
    );
    expect(unguarded(routes)).toEqual([]);
    expect(routes.find((r) => r.path === '/metrics/prometheus')?.scope).toBe('scrape');
  });

  it('refuses every respelled protected route without the right token, with the JSON error body', async () => {
    expect(await probe(gw.url, routes)).toEqual([]);
  });

  it('routes the case and trailing-slash spellings to the check, and serves them with the right token', async () => {
    expect(await routedSpellings(gw.url, routes)).toEqual([]);
  });

  it('takes a token from the query on the dashboard page only', async () => {
    const page = await raw(gw.url, 'GET', `/Api/Cache/Dashboard/?token=${READ_TOKEN}`);
    expect(page.status).toBe(200);
    expect(page.contentType).toMatch(/^text\/html/);
    expect((await raw(gw.url, 'GET', `/Metrics/Prometheus?token=${SCRAPE_TOKEN}`)).status).toBe(401);
  });

  it('answers a request in absolute form, or one that asks for a method override, like any other', async () => {
    const absolute = await raw(gw.url, 'GET', `${gw.url}/METRICS`);
    expect(absolute.status).toBe(401);
    const override = await raw(gw.url, 'POST', '/api/cache', { 'x-http-method-override': 'DELETE' }, '{}');
    expect(override.status).toBe(404);
    const served = await raw(gw.url, 'GET', `${gw.url}/METRICS`, bearer(READ_TOKEN));
    expect(served.status).toBe(200);
  });

  it('tells an anonymous /health the verdict only, and the read token the detail', async () => {
    for (const path of ['/health/cache', '/HEALTH/Cache/', '/health/cache?token=x']) {
      const tiers = (JSON.parse((await raw(gw.url, 'GET', path)).text) as { tiers: object }).tiers;
      // Tier states only: a store's message may name a host or carry its error text.
      for (const tier of Object.values(tiers))
        expect(Object.keys(tier).sort()).toEqual(['kind', 'required', 'status']);
    }
    for (const path of ['/health', '/HEALTH/', '/Health?x=1']) {
      const anonymous = JSON.parse((await raw(gw.url, 'GET', path)).text) as Record<string, unknown>;
      expect(anonymous).toEqual({
        status: 'ok',
        timestamp: expect.any(String),
        checks: { memory: { ok: true }, cache: { status: 'ok' } },
      });
    }
    for (const token of [SCRAPE_TOKEN, WRONG_TOKEN]) {
      const body = JSON.parse((await raw(gw.url, 'GET', '/health', bearer(token))).text) as {
        checks: object;
      };
      expect(body.checks).toEqual({ memory: { ok: true }, cache: { status: 'ok' } });
    }
    const full = JSON.parse((await raw(gw.url, 'GET', '/health', bearer(READ_TOKEN))).text) as {
      checks: { cache: { tiers: Record<string, object> } };
    };
    expect(full.checks.cache.tiers.memory).toMatchObject({ status: 'ok', kind: 'memory' });
  });
});

describe('the routers in a plain Express app', () => {
  interface Stack {
    url: string;
    routes: RouteInfo[];
    close(): Promise<void>;
  }

  /**
   * The admin, metrics and warming routers at the root, under `/ops`, inside a case-sensitive strict router
   * under `/strict`, and a metrics router with `mountPath: '/m'`: every way the READMEs say to mount them.
   */
  async function plainApp(tokens: {
    token?: string;
    readToken?: string;
    scrapeToken?: string;
  }): Promise<Stack> {
    const cache: Cache = createCache({ tiers: [memoryStore({ maxSizeMb: 8 })] });
    const auth = { ...tokens, env: {} };
    const warming = idleWarming(cache, ['config']);
    const { tracker, advisor, warmer } = warming;
    const set = () => ({
      admin: cacheAdmin({ cache, ...auth }),
      metrics: cacheMetrics({ cache, ...auth, intervalSeconds: 0 }),
      warming: warmingRoutes({ warmer, tracker, advisor, ...auth }),
    });
    const root = set();
    const ops = set();
    const strictSet = set();
    const mounted = cacheMetrics({ cache, ...auth, intervalSeconds: 0, mountPath: '/m' });
    const strict = express.Router({ caseSensitive: true, strict: true });
    strict.use(strictSet.admin, strictSet.metrics, strictSet.warming);
    const app = express();
    app.use(root.admin, root.metrics, root.warming);
    app.use('/ops', ops.admin, ops.metrics, ops.warming);
    app.use('/strict', strict);
    app.use(mounted);
    const server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const routes = [
      ...[root.admin, root.metrics, root.warming].flatMap((r) => routesOf(r)),
      ...[ops.admin, ops.metrics, ops.warming].flatMap((r) => routesOf(r, '/ops')),
      ...[strictSet.admin, strictSet.metrics, strictSet.warming].flatMap((r) => routesOf(r, '/strict')),
      ...routesOf(mounted),
    ];
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      routes,
      async close() {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
        for (const s of [root, ops, strictSet]) {
          s.admin.close();
          s.metrics.close();
        }
        mounted.close();
        warming.close();
        await cache.close();
      },
    };
  }

  let s: Stack;
  beforeAll(async () => {
    s = await plainApp({ token: ADMIN_TOKEN, readToken: READ_TOKEN, scrapeToken: SCRAPE_TOKEN });
  });
  afterAll(async () => s.close());

  it('guards every route but GET /health by its own route, under every mount', () => {
    expect(s.routes.map((r) => r.path)).toEqual(
      expect.arrayContaining(['/ops/metrics', '/m/metrics', '/strict/api/cache']),
    );
    expect(unguarded(s.routes)).toEqual([]);
  });

  it('refuses every respelled protected route without the right token, with the JSON error body', async () => {
    expect(await probe(s.url, s.routes)).toEqual([]);
  });

  it('routes the case and trailing-slash spellings to the check, and serves them with the right token', async () => {
    // Under the case-sensitive strict router too: its options govern its own routes, not those of the
    // routers mounted in it, which match in any case and with a trailing slash whatever the parent says.
    expect(await routedSpellings(s.url, s.routes)).toEqual([]);
  });

  it('refuses with 503 and the JSON error body on every spelling when no admin token is configured', async () => {
    const open = await plainApp({});
    try {
      expect(await probe(open.url, open.routes, false)).toEqual([]);
      const stats = await raw(open.url, 'GET', '/API/cache/stats/', bearer(ADMIN_TOKEN));
      expect(stats.status).toBe(503);
      expect((JSON.parse(stats.text) as { error: { type: string } }).error.type).toBe('auth_not_configured');
      expect((await raw(open.url, 'GET', '/health')).status).toBe(200);
    } finally {
      await open.close();
    }
  });
});
