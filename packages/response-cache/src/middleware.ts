import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { createAccounting } from './accounting';
import { HeldBody } from './body';
import type { Deps } from './context';
import { decide, missOf } from './decide';
import type { Outcome } from './decide';
import { writeJsonError, writeMissTimeout } from './errors';
import { Flights } from './flight';
import { cacheStatus, setCacheHeaders } from './headers';
import { serveHit } from './hit';
import { handleMiss, handleReload } from './miss';
import { resolveOptions } from './options';
import { createRevalidator } from './revalidate';
import { shareShapes } from './shapes';
import { TooLargeKeys } from './store';
import type {
  CacheRequest,
  ResponseCacheMiddleware,
  ResponseCacheOptions,
  ResponseCacheStats,
} from './types';

/** Give a background refresh this long at least (ms); LLM answers can take minutes. */
const MIN_REVALIDATION_TIMEOUT_MS = 120_000;

/**
 * The response cache: answers repeated LLM requests from the cache, and tees misses through to the next
 * handler (a proxy) so their answers are stored. The package README and docs/cache-status.md tell the behaviour.
 */
export function responseCache(options: ResponseCacheOptions): ResponseCacheMiddleware {
  const o = resolveOptions(options);
  const events = new EventEmitter();
  const acct = createAccounting(o, events);
  const revalidator = createRevalidator({
    logger: o.logger,
    timeoutMs: Math.max(o.upstreamTimeoutMs, MIN_REVALIDATION_TIMEOUT_MS),
    onDone: (key, status) => events.emit('revalidated', { key, status }),
  });
  const deps: Deps = { o, acct, flights: new Flights(), events, revalidator, tooLarge: new TooLargeKeys() };

  const middleware = function responseCache(req: Request, res: Response, next: NextFunction): void {
    if (o.shareShapes) shareShapes(req, res);
    let passed = false;
    const held = new HeldBody(req as CacheRequest);
    const pass = (): void => {
      if (passed) return;
      passed = true;
      // Whatever comes next (the proxy, a handler) reads the body we consumed from req.rawBody / req.body.
      held.attach();
      next();
    };
    handle(req as CacheRequest, res, pass, deps, held).catch((err: unknown) => {
      // A client that hung up while sending its body: nothing failed, and there is nobody left to answer.
      if (req.destroyed && !req.complete) return;
      acct.count('errors');
      o.logger.error('gatecache: response cache failed; passing the request through', {
        error: err instanceof Error ? err.message : String(err),
      });
      if (!res.headersSent) pass();
    });
  };
  const stats = (): ResponseCacheStats => {
    const figures = { ...acct.snapshot(), waiting: deps.flights.waiting };
    return o.lock ? { ...figures, lock: o.lock.stats() } : figures;
  };
  return Object.assign(middleware, { stats, events });
}

/** Decide, then act: see decide.ts for how a request becomes an outcome. */
async function handle(
  req: CacheRequest,
  res: ServerResponse,
  next: () => void,
  deps: Deps,
  held: HeldBody,
): Promise<void> {
  return act(await decide(req, res, next, deps, held), res, next, deps);
}

async function act(outcome: Outcome, res: ServerResponse, next: () => void, deps: Deps): Promise<void> {
  switch (outcome.kind) {
    case 'pass':
      return next();
    case 'bypass':
      deps.acct.count('bypassed');
      setCacheHeaders(res, { outcome: 'BYPASS', status: cacheStatus.bypass(outcome.reason) });
      return next();
    case 'refuse':
      return writeJsonError(res, 400, 'invalid_request_error', outcome.message);
    case 'hit':
      // An entry that could not be converted for this request after all: a miss.
      if (!serveHit(outcome.job, deps, outcome.hit)) await act(missOf(outcome.job), res, next, deps);
      return;
    case 'reload':
      return handleReload(outcome.job, deps);
    case 'only-if-cached':
      deps.o.cache.recordLookup(outcome.job.key, 'miss');
      return writeMissTimeout(
        res,
        'cache_miss',
        'only-if-cached: no cached answer for this request',
        cacheStatus.onlyIfCached(),
        deps.o.exposeKey ? outcome.job.key : undefined,
      );
    case 'miss':
      return handleMiss(outcome.job, deps, outcome.fallback, outcome.fwd);
  }
}
