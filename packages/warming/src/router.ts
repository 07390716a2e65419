import express from 'express';
import type { Request, Response, Router } from 'express';
import { checkGlob, createAuth, optionChecker } from '@gatecache/core';
import type { OptionChecker } from '@gatecache/core';
import type { TuningAdvisor } from './advisor';
import type { AccessTracker } from './tracker';
import { WarmerBusyError } from './warmer';
import type { CacheWarmer } from './warmer';

export interface WarmingRoutesOptions {
  warmer: CacheWarmer;
  tracker?: AccessTracker;
  /** Answers `GET /api/cache/advice` when given. */
  advisor?: TuningAdvisor;
  /** Admin bearer token. Default `GATECACHE_ADMIN_TOKEN`. */
  token?: string;
  /** Read-only token: the GET routes only. Default `GATECACHE_READ_TOKEN`. */
  readToken?: string;
  /** The metrics scrape token: opens no route here (403, not 401). Default `GATECACHE_SCRAPE_TOKEN`. */
  scrapeToken?: string;
  /** false turns authentication off (trusted networks only); on by default (`DEFAULTS.warmingRoutes`). */
  auth?: boolean;
  env?: NodeJS.ProcessEnv;
}

/** Most patterns one `POST /api/cache/warm` may name: each is a scan of every tier. */
export const MAX_WARM_PATTERNS = 16;

function badRequest(res: express.Response, message: string): void {
  res.status(400).json({ error: { type: 'invalid_request_error', message } });
}

type AuthOptions = Pick<WarmingRoutesOptions, 'token' | 'readToken' | 'scrapeToken' | 'auth' | 'env'>;

/** The admin and read checks both factories put on their routes, from the same token options. */
function routeAuth(options: AuthOptions, check: OptionChecker, owner: string) {
  check.boolean('auth', options.auth);
  for (const name of ['token', 'readToken', 'scrapeToken'] as const) {
    const value = options[name];
    if (value !== undefined && (typeof value !== 'string' || value.length < 8)) {
      check.fail(name, 'must be a string of at least 8 characters');
    }
  }
  const scoped = createAuth(
    {
      ...(options.token !== undefined ? { token: options.token } : {}),
      ...(options.readToken !== undefined ? { readToken: options.readToken } : {}),
      ...(options.scrapeToken !== undefined ? { scrapeToken: options.scrapeToken } : {}),
      ...(options.auth !== undefined ? { auth: options.auth } : {}),
    },
    options.env ?? process.env,
    owner,
  );
  return { admin: scoped('admin') as express.RequestHandler, read: scoped('read') as express.RequestHandler };
}

function stringList(value: unknown): string[] | undefined | false {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v.length === 0)) return false;
  return value as string[];
}

/**
 * `POST /api/cache/warm`, `GET /api/cache/warming/status`, `GET /api/cache/warming/patterns` and
 * `GET /api/cache/advice`, behind the bearer-token check the admin routes use (createAuth of @gatecache/core).
 */
export function warmingRoutes(options: WarmingRoutesOptions): Router {
  const check: OptionChecker = optionChecker('warmingRoutes');
  check.object('options', options);
  const { warmer, tracker, advisor } = options;
  if (!warmer) check.fail('warmer', 'is required: a cacheWarmer()');
  check.methods('warmer', warmer, ['warmNow'], 'a cacheWarmer()');
  check.methods('tracker', tracker, ['popular'], 'an accessTracker()');
  check.methods('advisor', advisor, ['advice'], 'a tuningAdvisor()');
  const { admin, read } = routeAuth(options, check, 'warmingRoutes');
  const router = express.Router();

  router.post('/api/cache/warm', admin, express.json({ limit: '64kb' }), (req: Request, res: Response) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const unknown = Object.keys(body).filter((k) => k !== 'keys' && k !== 'patterns');
    if (unknown.length > 0) return badRequest(res, `unknown field(s): ${unknown.join(', ')}`);
    const keys = stringList(body.keys);
    const patterns = stringList(body.patterns);
    if (keys === false) return badRequest(res, 'keys must be an array of non-empty strings');
    if (patterns === false) return badRequest(res, 'patterns must be an array of non-empty strings');
    if (patterns && patterns.length > MAX_WARM_PATTERNS)
      return badRequest(res, `patterns: ${patterns.length} given; at most ${MAX_WARM_PATTERNS} are accepted`);
    for (const p of patterns ?? []) {
      const why = checkGlob(p);
      if (why) return badRequest(res, `patterns: ${why}`);
    }
    try {
      const { jobId, done } = warmer.warmNow({
        ...(keys ? { keys } : {}),
        ...(patterns ? { patterns } : {}),
      });
      done.catch(() => undefined);
      res.status(202).json({ job_id: jobId, status_url: '/api/cache/warming/status' });
    } catch (err) {
      if (!(err instanceof WarmerBusyError)) throw err;
      res.status(409).json({ error: { type: 'busy', message: err.message }, job_id: err.jobId });
    }
  });

  router.get('/api/cache/warming/status', read, (_req, res) => {
    res.json(warmer.status());
  });

  router.get('/api/cache/warming/patterns', read, (req, res) => {
    if (!tracker) {
      res.status(404).json({ error: { type: 'not_found', message: 'no tracker configured' } });
      return;
    }
    // With the `extended` query parser `?limit[toString]=1` is an object, which Number() cannot convert.
    const raw: unknown = req.query.limit;
    if (raw !== undefined && typeof raw !== 'string') {
      return badRequest(res, 'limit must be given once, as a string');
    }
    const limit = Math.min(1000, Math.max(1, Number(raw ?? 50) || 50));
    res.json({ popular: tracker.popular(limit), stats: tracker.stats() });
  });

  router.get('/api/cache/advice', read, (_req, res, next) => {
    if (!advisor) {
      res.status(404).json({ error: { type: 'not_found', message: 'no tuning advisor configured' } });
      return;
    }
    advisor.advice().then((advice) => res.json(advice), next);
  });

  router.use(jsonErrors);
  return router;
}

// Bad JSON, a body over the limit or a failing advisor: the same `{ error: { type, message } }` as the admin
// routes, never Express's HTML page. Only errors raised inside the router reach it.
function jsonErrors(err: unknown, _req: Request, res: Response, next: express.NextFunction): void {
  if (res.headersSent) return next(err);
  const e = err as { status?: unknown; message?: unknown };
  const client = typeof e?.status === 'number' && e.status >= 400 && e.status < 500;
  const message = typeof e?.message === 'string' ? e.message : 'internal error';
  res
    .status(client ? (e.status as number) : 500)
    .json({ error: { type: client ? 'invalid_request_error' : 'internal_error', message } });
}

export interface WarmingOffRoutesOptions extends AuthOptions {
  /** Why warming is off and how to turn it on; every route's answer carries it. */
  reason: string;
}

/**
 * The warming routes of a gateway with warming off: the same paths and tokens, so that a client learns why
 * in JSON (`409 warming_disabled`, and `GET /api/cache/warming/status` answers `{ enabled: false }`)
 * instead of Express's HTML "Cannot POST".
 */
export function warmingOffRoutes(options: WarmingOffRoutesOptions): Router {
  const check: OptionChecker = optionChecker('warmingOffRoutes');
  check.object('options', options);
  if (typeof options.reason !== 'string' || options.reason === '')
    check.fail('reason', 'must be a non-empty string');
  const { admin, read } = routeAuth(options, check, 'warmingOffRoutes');
  const { reason } = options;
  const off = (_req: Request, res: Response): void => {
    res.status(409).json({ error: { type: 'warming_disabled', message: `warming is off: ${reason}` } });
  };
  const router = express.Router();
  router.post('/api/cache/warm', admin, off);
  router.get('/api/cache/warming/status', read, (_req, res) => {
    res.json({ enabled: false, state: 'off', reason, currentJob: null, lastCycle: null, nextRunAt: null });
  });
  router.get('/api/cache/warming/patterns', read, off);
  router.get('/api/cache/advice', read, off);
  router.use(jsonErrors);
  return router;
}
