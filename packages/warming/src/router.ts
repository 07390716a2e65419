import express from 'express';
import type { Router } from 'express';
import { checkGlob } from '@gatecache/core';
import { bearerAuth } from './auth';
import type { AccessTracker } from './tracker';
import { WarmerBusyError } from './warmer';
import type { CacheWarmer } from './warmer';

export interface WarmingRoutesOptions {
  warmer: CacheWarmer;
  tracker?: AccessTracker;
  /** Admin bearer token. Default `GATECACHE_ADMIN_TOKEN`. */
  token?: string;
  /** false turns authentication off (trusted networks only). Default true. */
  auth?: boolean;
  env?: NodeJS.ProcessEnv;
}

function badRequest(res: express.Response, message: string): void {
  res.status(400).json({ error: { type: 'invalid_request_error', message } });
}

function stringList(value: unknown): string[] | undefined | false {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v.length === 0)) return false;
  return value as string[];
}

/** `POST /api/cache/warm` and `GET /api/cache/warming/status` (plus `GET /api/cache/warming/patterns`). */
export function warmingRoutes(options: WarmingRoutesOptions): Router {
  const { warmer, tracker } = options;
  if (!warmer || typeof warmer.warmNow !== 'function')
    throw new Error('warmingRoutes: warmer must be a cacheWarmer()');
  if (options.token !== undefined && (typeof options.token !== 'string' || options.token.length < 8)) {
    throw new Error('warmingRoutes: token must be a string of at least 8 characters');
  }
  const token = options.token ?? (options.env ?? process.env).GATECACHE_ADMIN_TOKEN;
  const auth = bearerAuth(token, options.auth === false);
  const router = express.Router();

  router.post('/api/cache/warm', auth, express.json({ limit: '64kb' }), (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const unknown = Object.keys(body).filter((k) => k !== 'keys' && k !== 'patterns');
    if (unknown.length > 0) return badRequest(res, `unknown field(s): ${unknown.join(', ')}`);
    const keys = stringList(body.keys);
    const patterns = stringList(body.patterns);
    if (keys === false) return badRequest(res, 'keys must be an array of non-empty strings');
    if (patterns === false) return badRequest(res, 'patterns must be an array of non-empty strings');
    for (const p of patterns ?? []) {
      const why = checkGlob(p);
      if (why) return badRequest(res, why);
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

  router.get('/api/cache/warming/status', auth, (_req, res) => {
    res.json(warmer.status());
  });

  router.get('/api/cache/warming/patterns', auth, (req, res) => {
    if (!tracker) {
      res.status(404).json({ error: { type: 'not_found', message: 'no tracker configured' } });
      return;
    }
    const limit = Math.min(1000, Math.max(1, Number(req.query.limit ?? 50) || 50));
    res.json({ popular: tracker.popular(limit), stats: tracker.stats() });
  });

  return router;
}
