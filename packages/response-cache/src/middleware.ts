import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { bodyRefusal, readRawBody } from '@gatecache/providers';
import { createAccounting } from './accounting';
import { HeldBody } from './body';
import { ControlError, requestControls, stripControlHeaders } from './controls';
import type { RequestControls } from './controls';
import { Flights } from './flight';
import { forward } from './forward';
import { cacheStatus, setCacheHeaders } from './headers';
import { serveEntry } from './job';
import type { Deps, Job } from './job';
import { handleMiss } from './miss';
import { MAX_MODEL_LENGTH, resolveOptions } from './options';
import { canAnswer, writeJsonError } from './replay';
import { createRevalidator } from './revalidate';
import { shareShapes } from './shapes';
import { TooLargeKeys } from './too-large';
import { judgeEntry, ttlSeconds } from './stale';
import type {
  CacheRequest,
  ResponseCacheMiddleware,
  ResponseCacheOptions,
  ResponseCacheStats,
} from './types';
import type { KeyRequest, KeyResult } from '@gatecache/cache-key';

/** Give a background refresh this long at least (ms); LLM answers can take minutes. */
const MIN_REVALIDATION_TIMEOUT_MS = 120_000;

function bypass(deps: Deps, res: ServerResponse, next: () => void, why: string): void {
  deps.acct.count('bypassed');
  setCacheHeaders(res, { outcome: 'BYPASS', status: cacheStatus.bypass(why) });
  next();
}

/**
 * The response cache: answers repeated LLM requests from the cache, and tees misses through to the next
 * handler (a proxy) so their answers are stored. See the package README for the behaviour in full.
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
  const stats = (): ResponseCacheStats =>
    o.lock ? { ...acct.snapshot(), lock: o.lock.stats() } : acct.snapshot();
  return Object.assign(middleware, { stats, events });
}

async function handle(
  req: CacheRequest,
  res: ServerResponse,
  next: () => void,
  deps: Deps,
  held: HeldBody,
): Promise<void> {
  const { o } = deps;
  const method = (req.method ?? 'GET').toUpperCase();
  // Read once: behind Express each request object has a map of its own, so every property read is a lookup.
  const headers = req.headers;
  // Controls are ours: they never reach a provider, on any route.
  const controlHeaders = stripControlHeaders(headers);
  if (method !== 'POST' && method !== 'GET') return next();
  const url = req.originalUrl ?? req.url ?? '/';
  const route = o.keyer.route({ method, url, headers });
  const known = route.provider !== 'unknown' && route.endpoint !== 'unknown';
  const cacheable =
    method === 'GET'
      ? route.endpoint === 'models'
      : route.endpoint !== 'models' && (known || o.cacheUnknownEndpoints);
  if (!cacheable) return next();
  deps.acct.count('requests');

  let controls: RequestControls;
  try {
    controls = requestControls(headers, controlHeaders);
  } catch (err) {
    if (!(err instanceof ControlError)) throw err;
    writeJsonError(res, 400, 'invalid_request_error', err.message);
    return;
  }
  for (const warning of controls.warnings)
    o.logger.warn(`gatecache: ignored Cache-Control directive: ${warning}`);
  if (controls.bypass) return bypass(deps, res, next, 'bypass');
  if (controls.noStore) return bypass(deps, res, next, 'no-store');
  if (controls.namespace !== undefined && !o.requestNamespaces.has(controls.namespace)) {
    // Only namespaces meant for responses: the others (config, summary, models) hold the gateway's own data.
    writeJsonError(
      res,
      400,
      'invalid_request_error',
      `x-gatecache-namespace: "${controls.namespace}" cannot be chosen by a request (allowed: ${[
        ...o.requestNamespaces,
      ].join(', ')})`,
    );
    return;
  }

  let body: unknown;
  let keyed: KeyResult | undefined;
  let rawBody: Buffer | undefined;
  if (method === 'POST') {
    const read = await readRawBody(req, o.maxBodyBytes);
    if (read.status === 'skipped') return bypass(deps, res, next, read.reason);
    // A body parser before us may have kept the bytes (express.json's verify hook): they key a repeat too.
    rawBody = read.status === 'read' ? read.raw : Buffer.isBuffer(req.rawBody) ? req.rawBody : undefined;
    // A byte-identical repeat of a request keyed before needs no parse: a hit never looks at the body, and
    // whatever the request is passed on to gets it parsed (HeldBody.attach).
    if (read.status === 'read') {
      held.raw = read.raw;
      if (!o.shouldCache) keyed = o.keyer.remembered?.({ method, url, headers, rawBody: read.raw });
    }
    if (!keyed) {
      body = read.status === 'read' ? held.parse() : read.json;
      if (body === undefined) return bypass(deps, res, next, 'not-json');
      // Only bytes that mean what their parsed value says are keyed on it (invalid UTF-8, duplicate keys).
      const refusal = rawBody !== undefined ? bodyRefusal(rawBody, body) : undefined;
      if (refusal) return bypass(deps, res, next, refusal);
    }
    if (o.hooksSeeRequest) held.attach();
  }
  // The raw bytes let the keyer remember this key for a byte-identical repeat, which it does only once the
  // cache answers it (remembered below): most misses are one-offs, and a memo entry for each would be held
  // until evicted (garbage-collector work on every miss) and push out the keys of requests that do repeat.
  let keyRequest: KeyRequest | undefined;
  if (!keyed) {
    keyRequest = {
      method,
      url,
      headers,
      ...(body !== undefined ? { body } : {}),
      ...(rawBody !== undefined ? { rawBody } : {}),
    };
    try {
      keyed = o.keyer.key(keyRequest, { remember: false });
    } catch (err) {
      // The keyer refuses values JSON allows but cannot key (1e999 is Infinity; nesting past MAX_BODY_DEPTH)
      // with a TypeError: the client's doing, so a bypass, not an error counted and logged for anyone to fill.
      if (!(err instanceof TypeError)) throw err;
      return bypass(deps, res, next, 'unkeyable');
    }
  }
  const rememberKey = (): void => {
    if (keyRequest) o.keyer.remember?.(keyRequest, keyed);
  };
  if (o.shouldCache && !o.shouldCache({ req, route: keyed.route, body, determinism: o.determinism })) {
    return bypass(deps, res, next, 'policy');
  }
  if (keyed.route.model.length > MAX_MODEL_LENGTH) return bypass(deps, res, next, 'model-too-long');
  let key = keyed.key;
  let namespace = keyed.namespace;
  if (controls.namespace !== undefined) {
    key = `${controls.namespace}${key.slice(key.indexOf(':'))}`;
    namespace = controls.namespace;
  }
  let variant: number | undefined;
  if (o.variants > 1) {
    variant = Math.min(o.variants - 1, Math.floor(o.random() * o.variants));
    key = `${key}:v${variant}`;
  }
  const ttl = controls.ttl ?? o.ttl(req, keyed.route);
  const job: Job = {
    req,
    res,
    method,
    next,
    keyed,
    key,
    namespace,
    route: keyed.route,
    controls,
    ttl,
    variant,
  };

  // Our own background refresh, and `no-cache`: straight upstream, stored, never coalesced.
  if (deps.revalidator.isRevalidation(controlHeaders) || controls.noCache) {
    o.cache.recordLookup(key, 'miss');
    deps.acct.count('misses');
    forward(job, deps, { fwd: 'request' });
    return;
  }

  const entry = await o.cache.get(key, { allowStale: true, record: false });
  const now = o.clock.now();
  const usable = entry && canAnswer(entry, job.route) ? entry : undefined;
  const verdict = judgeEntry(usable, controls, o.cache.namespace(o.cache.namespaceOf(key)), now);
  switch (verdict.use) {
    case 'fresh':
      if (
        serveEntry(job, deps, usable!, { outcome: 'HIT', status: cacheStatus.hit(ttlSeconds(usable!, now)) })
      ) {
        o.cache.recordLookup(key, 'hit', usable!.tier);
        deps.acct.count('hits');
        deps.acct.saved(key, namespace, usable!);
        rememberKey();
        return;
      }
      break;
    case 'stale-while-revalidate':
    case 'max-stale': {
      const ttlNow = ttlSeconds(usable!, now);
      const status =
        verdict.use === 'max-stale' ? cacheStatus.staleHit(ttlNow) : cacheStatus.staleWhileRevalidate(ttlNow);
      if (serveEntry(job, deps, usable!, { outcome: 'STALE', status })) {
        o.cache.recordLookup(key, 'stale', usable!.tier);
        deps.acct.count('stale');
        deps.acct.saved(key, namespace, usable!);
        rememberKey();
        const refresh = verdict.use === 'stale-while-revalidate' || verdict.revalidate;
        // The refresh replays the request from req.rawBody.
        if (refresh) held.attach();
        if (refresh && deps.revalidator.trigger(key, req, controlHeaders)) deps.acct.count('revalidations');
        return;
      }
      break;
    }
    case 'upstream':
      break;
  }
  if (controls.onlyIfCached) {
    o.cache.recordLookup(key, 'miss');
    writeJsonError(res, 504, 'cache_miss', 'only-if-cached: no cached answer for this request', {
      'x-cache': 'MISS',
      'cache-status': cacheStatus.onlyIfCached(),
      ...(o.exposeKey ? { 'x-gatecache-key': key } : {}),
    });
    return;
  }
  o.cache.recordLookup(key, 'miss');
  const fallback = verdict.use === 'upstream' ? verdict.fallback : undefined;
  const fwd = verdict.use === 'upstream' && verdict.reason === 'too-old' ? 'request' : 'miss';
  await handleMiss(job, deps, fallback, fwd);
}
