import { PRINCIPAL, createAuth, dictOf } from '@gatecache/core';
import type { Principal } from '@gatecache/core';
import { createKeyer } from '@gatecache/cache-key';
import type { KeyRequest } from '@gatecache/cache-key';
import express from 'express';
import type { NextFunction, Request, Response, Router } from 'express';
import { logCacheEvents } from './cache-events';
import { AdminError, errorHandler } from './errors';
import { createEventLog } from './event-log';
import type { EventLog, LogLevel } from './event-log';
import { entryInfo } from './entry-info';
import { watchGc } from './gc-stats';
import { decodeCursor, keysPage } from './keys-page';
import { DEFAULTS } from './defaults';
import { trackPatterns } from './patterns';
import { executePurge } from './purge';
import { planPurge } from './purge-spec';
import { redactConfig } from './redact';
import {
  emptyQuery,
  entryQuery,
  explainBody,
  keysQuery,
  logsQuery,
  parse,
  purgeQuery,
  validateQuery,
} from './schemas';
import { createScheduler } from './scheduler';
import { scrubExplanation } from './scrub';
import type { CacheAdminOptions } from './types';
import { validateTiers } from './validate';

/** The admin router plus what it holds open: `close()` stops its timers and cache listeners. */
export type CacheAdminRouter = Router & {
  readonly eventLog: EventLog;
  readonly warmingLog: EventLog;
  close(): void;
};

type Handler = (req: Request, res: Response) => Promise<void> | void;

/** Express 4 does not catch rejected promises: pass them to the error handler ourselves. */
const wrap =
  (fn: Handler) =>
  (req: Request, res: Response, next: NextFunction): void => {
    Promise.resolve()
      .then(() => fn(req, res))
      .catch(next);
  };

function positiveInt(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(Number.isInteger(value) && value > 0)) {
    throw new Error(`cacheAdmin: ${name} must be a positive integer (got ${String(value)})`);
  }
  return value;
}

/**
 * Admin routes for invalidation, inspection and debugging (DESIGN.md "Admin and monitoring routes"):
 * purge by key/provider/model/namespace/tag/tenant/pattern, paged keys, entry metadata, key explanation,
 * redacted configuration, validation, integrity, GC stats, access patterns and the event logs.
 */
export function cacheAdmin(options: CacheAdminOptions): CacheAdminRouter {
  if (!options || typeof options !== 'object' || !options.cache) {
    throw new Error('cacheAdmin: options.cache (a createCache() instance) is required');
  }
  const { cache, bus, config = {}, manualEnabled = true, patternBased = true } = options;
  const clock = options.clock ?? cache.clock;
  const batch = positiveInt('batch', options.batch, 100);
  const maxScan = positiveInt('maxScan', options.maxScan, 1_000_000);
  if (bus !== undefined && typeof bus.publish !== 'function') {
    throw new Error('cacheAdmin: bus must have a publish(message) method');
  }
  const requireScope = createAuth(options, options.env ?? process.env);
  const keyer = createKeyer(options.key);
  const log = options.eventLog ?? createEventLog(1000, clock);
  const warmingLog = options.warmingLog ?? createEventLog(1000, clock);
  const now = (): number => clock.now();
  const stopEvents = logCacheEvents(cache, log, now);
  if (options.keyring !== undefined || options.signingKey !== undefined) {
    // Kept so existing callers still start; validation now decodes with the cache's own keys.
    log.push({
      level: 'info',
      type: 'config',
      message:
        'cacheAdmin: keyring and signingKey are ignored; entries are checked with the keys of the cache',
    });
  }
  const patterns = trackPatterns(cache, now, DEFAULTS.maxTrackedKeys, options.labelLimits);
  const gc = watchGc();
  const scheduler = createScheduler({
    cache,
    log,
    clock,
    validation: options.validation,
    schedules: options.schedules,
    purge: (plan) => executePurge({ cache, bus, batch }, plan, false),
    validate: (limit, after) =>
      validateTiers(cache, {
        limit,
        remove: true,
        storeVerify: false,
        now: now(),
        after,
      }),
  });

  const router = express.Router() as CacheAdminRouter;
  const read: express.RequestHandler = requireScope('read');
  const admin: express.RequestHandler = requireScope('admin');
  const who = (res: Response): string => (res.locals[PRINCIPAL] as Principal).tokenId;

  router.delete(
    '/api/cache',
    admin,
    wrap(async (req, res) => {
      if (!manualEnabled) {
        throw new AdminError(
          403,
          'purge_disabled',
          'manual invalidation is disabled (invalidation.manual_enabled: false)',
        );
      }
      const q = parse(purgeQuery, req.query, 'query');
      const { all, dry_run: dryRun = false, ...filters } = q;
      const named = Object.keys(filters).length > 0;
      if (all === true && named) {
        throw new AdminError(400, 'invalid_request', 'all=true cannot be combined with filters');
      }
      if (all === false && !named) {
        throw new AdminError(400, 'invalid_request', 'all=false with no filter selects nothing');
      }
      if (filters.pattern !== undefined && !patternBased) {
        throw new AdminError(
          403,
          'purge_disabled',
          'pattern purges are disabled (invalidation.pattern_based: false)',
        );
      }
      const plan = planPurge(filters);
      const outcome = await executePurge({ cache, bus, batch }, plan, dryRun);
      const hadErrors = Object.keys(outcome.errors).length > 0;
      log.push({
        level: hadErrors ? 'error' : dryRun ? 'info' : 'warn',
        type: dryRun ? 'purge-dry-run' : 'purge',
        who: who(res),
        what: plan.describe,
        count: outcome.deleted,
        by_tier: outcome.byTier,
        ...(hadErrors ? { errors: outcome.errors } : {}),
        ...(outcome.published === false ? { message: 'invalidation bus publish failed' } : {}),
      });
      const body: Record<string, unknown> = {
        deleted: outcome.deleted,
        by_tier: outcome.byTier,
        dry_run: dryRun,
      };
      if (hadErrors) body.errors = outcome.errors;
      if (outcome.published !== undefined) body.published = outcome.published;
      res.json(body);
    }),
  );

  router.get(
    '/api/cache/keys',
    read,
    wrap(async (req, res) => {
      const q = parse(keysQuery, req.query, 'query');
      let after: string | undefined;
      if (q.cursor !== undefined) {
        after = decodeCursor(q.cursor);
        if (after === undefined)
          throw new AdminError(400, 'invalid_request', 'invalid query: cursor: not a cursor from this route');
      }
      const page = await keysPage(cache, {
        pattern: q.pattern ?? '*',
        limit: q.limit ?? 100,
        after,
        maxScan,
      });
      res.json({
        keys: page.keys,
        next_cursor: page.nextCursor,
        scanned: page.scanned,
        partial: page.partial,
      });
    }),
  );

  router.get(
    '/api/cache/entry',
    read,
    wrap(async (req, res) => {
      const q = parse(entryQuery, req.query, 'query');
      const info = await entryInfo(cache, q.key, now(), q.include_body === true);
      if (!info) throw new AdminError(404, 'not_found', 'no tier holds this key');
      const hits = patterns.hitsOf(q.key);
      if (hits !== undefined) info.hits = hits;
      res.json(info);
    }),
  );

  router.post(
    '/api/cache/explain',
    read,
    express.json({ limit: '1mb' }),
    wrap((req, res) => {
      const b = parse(explainBody, req.body, 'body');
      // Header names are the caller's: kept in a prototype-less object, as own properties only.
      const headers: KeyRequest['headers'] = dictOf(
        Object.entries(b.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v] as const),
      );
      const sample: KeyRequest = { method: b.method.toUpperCase(), url: b.path, headers, body: b.body };
      let explanation;
      try {
        explanation = keyer.explain(sample);
      } catch (err) {
        throw new AdminError(400, 'invalid_request', `cannot key this request: ${(err as Error).message}`);
      }
      res.json(scrubExplanation(explanation, sample));
    }),
  );

  router.get('/api/config/cache', read, (req, res) => {
    parse(emptyQuery, req.query, 'query');
    res.json(redactConfig(config));
  });

  const logsRoute = (target: EventLog) =>
    wrap((req, res) => {
      const q = parse(logsQuery, req.query, 'query');
      const filter: { level?: LogLevel; type?: string; limit?: number } = {};
      if (q.level) filter.level = q.level as LogLevel;
      if (q.type) filter.type = q.type;
      if (q.limit) filter.limit = q.limit;
      const entries = target.list(filter).map((e) => ({ ...e, time: new Date(e.time).toISOString() }));
      res.json({ entries, capacity: target.size });
    });
  router.get('/logs/cache', read, logsRoute(log));
  router.get('/logs/warming', read, logsRoute(warmingLog));

  const validateRoute = (storeVerify: boolean) =>
    wrap(async (req, res) => {
      const q = parse(validateQuery, req.query, 'query');
      const tiers = await validateTiers(cache, {
        limit: q.limit ?? 100_000,
        remove: q.remove ?? true,
        storeVerify,
        now: now(),
      });
      const sum = (f: 'checked' | 'good' | 'corrupt' | 'expired' | 'removed' | 'unverifiable'): number =>
        tiers.reduce((n, t) => n + t[f], 0);
      const totals = {
        checked: sum('checked'),
        good: sum('good'),
        corrupt: sum('corrupt'),
        expired: sum('expired'),
        unverifiable: sum('unverifiable'),
        removed: sum('removed'),
      };
      log.push({
        level: totals.corrupt > 0 ? 'warn' : 'info',
        type: storeVerify ? 'integrity' : 'validation',
        who: who(res),
        ...totals,
      });
      res.json({ ...totals, tiers });
    });
  // Both remove what they find broken, so they need the admin scope although they are GETs.
  router.get('/debug/cache/validate', admin, validateRoute(false));
  router.get('/debug/cache/integrity', admin, validateRoute(true));

  router.get('/debug/memory/gc_stats', read, (req, res) => {
    parse(emptyQuery, req.query, 'query');
    res.json(gc.stats());
  });

  router.get('/debug/cache/patterns', read, (req, res) => {
    parse(emptyQuery, req.query, 'query');
    res.json(patterns.snapshot(20));
  });

  router.use(errorHandler);

  Object.defineProperties(router, {
    eventLog: { value: log },
    warmingLog: { value: warmingLog },
    close: {
      value: () => {
        scheduler.stop();
        stopEvents();
        patterns.stop();
        gc.stop();
      },
    },
  });
  return router;
}
