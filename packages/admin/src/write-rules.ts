import type { Cache } from '@gatecache/core';
import { checkGlob, globMatcher } from '@gatecache/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { EventLog } from './event-log';
import { executePurge } from './purge';
import { planPurge } from './purge-spec';
import type { InvalidationBus, WriteRule } from './types';

export interface InvalidateOnWriteOptions {
  cache: Cache;
  rules: WriteRule[];
  bus?: InvalidationBus;
  /** Purges are recorded here (the admin router's `eventLog`). Default: not recorded. */
  log?: EventLog;
  /** Keys per batch in tag purges. Default 100. */
  batch?: number;
}

/**
 * Middleware that purges by tag or pattern after a matching request succeeds (2xx), e.g. a model deployment
 * invalidating that model's entries; the purge runs after the response, never delaying it.
 */
export function invalidateOnWrite(options: InvalidateOnWriteOptions): RequestHandler {
  const { cache, rules, bus, log, batch = 100 } = options;
  if (!Array.isArray(rules)) throw new Error('invalidateOnWrite: rules must be an array');
  const compiled = rules.map((r, i) => {
    const where = `invalidateOnWrite: rules[${i}]`;
    if (!r?.match || typeof r.match.path !== 'string' || checkGlob(r.match.path)) {
      throw new Error(`${where}.match.path must be a glob`);
    }
    if ((r.purgeTag === undefined) === (r.purgePattern === undefined)) {
      throw new Error(`${where} needs exactly one of purgeTag or purgePattern`);
    }
    if (r.purgePattern !== undefined && checkGlob(r.purgePattern)) {
      throw new Error(`${where}.purgePattern: ${checkGlob(r.purgePattern)}`);
    }
    const method = r.match.method?.toUpperCase();
    const path = globMatcher(r.match.path);
    const plan = planPurge(r.purgeTag !== undefined ? { tag: r.purgeTag } : { pattern: r.purgePattern });
    return { test: (req: Request) => (!method || req.method === method) && path(req.path), plan, rule: r };
  });
  return function invalidateOnWriteMiddleware(req: Request, res: Response, next: NextFunction): void {
    const hits = compiled.filter((c) => c.test(req));
    if (hits.length > 0) {
      res.on('finish', () => {
        if (res.statusCode < 200 || res.statusCode >= 300) return;
        for (const c of hits) {
          executePurge({ cache, bus, batch }, c.plan, false).then(
            (o) =>
              log?.push({
                level: 'warn',
                type: 'purge',
                who: 'invalidate-on-write',
                what: `${c.plan.describe} (after ${req.method} ${req.path})`,
                count: o.deleted,
                by_tier: o.byTier,
              }),
            (err: Error) =>
              log?.push({ level: 'error', type: 'purge', who: 'invalidate-on-write', message: err.message }),
          );
        }
      });
    }
    next();
  };
}
