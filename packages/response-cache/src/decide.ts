import type { IncomingHttpHeaders } from 'node:http';
import type { CacheEntry } from '@gatecache/core';
import type { KeyRequest, KeyResult, RouteInfo } from '@gatecache/cache-key';
import { STORED_OBJECT, bodyRefusal, providerStateOf, readRawBody } from '@gatecache/providers';
import type { HeldBody } from './body';
import type { Deps, Job } from './context';
import { ControlError, requestControls, stripControlHeaders } from './controls';
import type { RequestControls } from './controls';
import { judgeEntry } from './freshness';
import { conversionOf } from './hit';
import type { Hit } from './hit';
import { MAX_MODEL_LENGTH } from './options';
import type { CacheRequest } from './types';

/** What the middleware does with a request: the one value `decide` returns and `handle` acts on. */
export type Outcome =
  /** Not a request the cache is for (method, route): on to the next handler, uncounted. */
  | { kind: 'pass' }
  /** A cacheable route, but this request goes on uncached: `Cache-Status: ...; detail=<reason>`. */
  | { kind: 'bypass'; reason: string }
  /** The request's cache controls are invalid: a 400 with this message. */
  | { kind: 'refuse'; message: string }
  /** Answer from the cache: fresh or stale, converted between a stream and JSON if need be. */
  | { kind: 'hit'; job: Job; hit: Hit }
  /** Upstream, coalesced with identical requests; `fallback` is served if the upstream fails. */
  | { kind: 'miss'; job: Job; fwd: 'miss' | 'request'; fallback?: CacheEntry }
  /** Upstream regardless of the cache, never coalesced: our own background refresh, or `no-cache`. */
  | { kind: 'reload'; job: Job }
  /** `only-if-cached` with nothing usable cached: a 504. */
  | { kind: 'only-if-cached'; job: Job };

const PASS: Outcome = Object.freeze({ kind: 'pass' });

/** The parts of a request read once, before anything is decided. */
interface Incoming {
  req: CacheRequest;
  method: string;
  url: string;
  /** Read once: behind Express each request object has a map of its own, so every property read is a lookup. */
  headers: IncomingHttpHeaders;
  /** The `x-gatecache-*` headers, already taken off the request. */
  controlHeaders: Readonly<Record<string, string>>;
  route: RouteInfo;
}

/** The request's key, and what it was computed from when the keyer may remember it. */
interface Keyed {
  keyed: KeyResult;
  keyRequest: KeyRequest | undefined;
  body: unknown;
}

/** Classify -> controls -> key -> look up: what to do with this request. */
export async function decide(
  req: CacheRequest,
  res: Job['res'],
  next: () => void,
  deps: Deps,
  held: HeldBody,
): Promise<Outcome> {
  const incoming = classify(req, deps);
  if (!incoming) return PASS;
  deps.acct.count('requests');
  // A call on an object the provider keeps (a stored response, a conversation): its answer is that object now.
  if (incoming.route.endpoint === STORED_OBJECT) return { kind: 'bypass', reason: STORED_OBJECT };
  const controls = controlsOf(incoming, deps);
  if ('kind' in controls) return controls;
  const keyed = await keyOf(incoming, deps, held);
  if ('kind' in keyed) return keyed;
  const { o } = deps;
  if (
    o.shouldCache &&
    !o.shouldCache({ req, route: keyed.keyed.route, body: keyed.body, determinism: o.determinism })
  )
    return { kind: 'bypass', reason: 'policy' };
  if (keyed.keyed.route.model.length > MAX_MODEL_LENGTH) return { kind: 'bypass', reason: 'model-too-long' };
  const job = jobOf(incoming, controls, keyed, res, next, held, deps);
  if (deps.revalidator.isRevalidation(incoming.controlHeaders) || controls.noCache)
    return { kind: 'reload', job };
  return lookUp(job, deps);
}

/** The method and route, and whether the cache is for them: chat and the like by POST, model lists by GET. */
function classify(req: CacheRequest, deps: Deps): Incoming | undefined {
  const { o } = deps;
  const method = (req.method ?? 'GET').toUpperCase();
  const headers = req.headers;
  // Controls are ours: they never reach a provider, on any route.
  const controlHeaders = stripControlHeaders(headers);
  if (method !== 'POST' && method !== 'GET') return undefined;
  const url = req.originalUrl ?? req.url ?? '/';
  const route = o.keyer.route({ method, url, headers });
  const known = route.provider !== 'unknown' && route.endpoint !== 'unknown';
  const cacheable =
    method === 'GET'
      ? route.endpoint === 'models'
      : route.endpoint !== 'models' && (known || o.cacheUnknownEndpoints);
  return cacheable ? { req, method, url, headers, controlHeaders, route } : undefined;
}

/** The request's cache controls, or why it is bypassed or refused. */
function controlsOf(incoming: Incoming, deps: Deps): RequestControls | Outcome {
  const { o } = deps;
  let controls: RequestControls;
  try {
    controls = requestControls(incoming.headers, incoming.controlHeaders);
  } catch (err) {
    if (!(err instanceof ControlError)) throw err;
    return { kind: 'refuse', message: err.message };
  }
  for (const warning of controls.warnings)
    o.logger.warn(`gatecache: ignored Cache-Control directive: ${warning}`);
  if (controls.bypass) return { kind: 'bypass', reason: 'bypass' };
  if (controls.noStore) return { kind: 'bypass', reason: 'no-store' };
  if (controls.namespace !== undefined && !o.requestNamespaces.has(controls.namespace)) {
    // Only namespaces meant for responses: the others (config, summary, models) hold the gateway's own data.
    const allowed = [...o.requestNamespaces].join(', ');
    return {
      kind: 'refuse',
      message: `x-gatecache-namespace: "${controls.namespace}" cannot be chosen by a request (allowed: ${allowed})`,
    };
  }
  return controls;
}

/**
 * Reads the body and keys the request. A byte-identical repeat of a request keyed before needs no parse: a
 * hit never looks at the body, and whatever the request is passed on to gets it parsed (HeldBody.attach).
 */
async function keyOf(incoming: Incoming, deps: Deps, held: HeldBody): Promise<Keyed | Outcome> {
  const { o } = deps;
  const { req, method, url, headers } = incoming;
  let body: unknown;
  let keyed: KeyResult | undefined;
  let rawBody: Buffer | undefined;
  if (method === 'POST') {
    const read = await readRawBody(req, o.maxBodyBytes);
    if (read.status === 'skipped') return { kind: 'bypass', reason: read.reason };
    // A body parser before us may have kept the bytes (express.json's verify hook): they key a repeat too.
    rawBody = read.status === 'read' ? read.raw : Buffer.isBuffer(req.rawBody) ? req.rawBody : undefined;
    if (read.status === 'read') {
      held.raw = read.raw;
      if (!o.shouldCache) keyed = o.keyer.remembered?.({ method, url, headers, rawBody: read.raw });
    }
    if (!keyed) {
      body = read.status === 'read' ? held.parse() : read.json;
      if (body === undefined) return { kind: 'bypass', reason: 'not-json' };
      // Only bytes that mean what their parsed value says are keyed on it (invalid UTF-8, duplicate keys).
      const refusal = rawBody !== undefined ? bodyRefusal(rawBody, body) : undefined;
      if (refusal) return { kind: 'bypass', reason: refusal };
      // State on the provider's side (a conversation, a background job, a container) makes a repeat of the
      // same body mean something else later. Such a request is never keyed, so never remembered either.
      const state = providerStateOf(incoming.route, body);
      if (state) return { kind: 'bypass', reason: state };
    }
    if (o.hooksSeeRequest) held.attach();
  }
  if (keyed) return { keyed, keyRequest: undefined, body };
  // The raw bytes let the keyer remember this key for a byte-identical repeat, which it does only once the
  // cache answers it (serveHit): most misses are one-offs, and a memo entry for each would be held until
  // evicted (garbage-collector work on every miss) and push out the keys of requests that do repeat.
  const keyRequest: KeyRequest = {
    method,
    url,
    headers,
    ...(body !== undefined ? { body } : {}),
    ...(rawBody !== undefined ? { rawBody } : {}),
  };
  try {
    return { keyed: o.keyer.key(keyRequest, { remember: false }), keyRequest, body };
  } catch (err) {
    // The keyer refuses values JSON allows but cannot key (1e999 is Infinity; nesting past MAX_BODY_DEPTH)
    // with a TypeError: the client's doing, so a bypass, not an error counted and logged for anyone to fill.
    if (!(err instanceof TypeError)) throw err;
    return { kind: 'bypass', reason: 'unkeyable' };
  }
}

/** The job: the key with the request's namespace and the variant bucket applied, and the TTL to store with. */
function jobOf(
  incoming: Incoming,
  controls: RequestControls,
  { keyed, keyRequest }: Keyed,
  res: Job['res'],
  next: () => void,
  held: HeldBody,
  deps: Deps,
): Job {
  const { o } = deps;
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
  return {
    req: incoming.req,
    res,
    method: incoming.method,
    next,
    keyed,
    key,
    namespace,
    route: keyed.route,
    controls,
    controlHeaders: incoming.controlHeaders,
    held,
    keyRequest,
    ttl: controls.ttl ?? o.ttl(incoming.req, keyed.route),
    variant,
  };
}

/** Looks the key up and judges the entry: a hit (fresh or stale), or a miss with its stale-if-error fallback. */
async function lookUp(job: Job, deps: Deps): Promise<Outcome> {
  const { o } = deps;
  const entry = await o.cache.get(job.key, { allowStale: true, record: false });
  // An entry this request cannot be answered from (a stream, and no converter to JSON) counts as absent.
  const conversion = entry ? conversionOf(entry, job.route) : undefined;
  const usable = conversion !== undefined ? entry : undefined;
  const verdict = judgeEntry(
    usable,
    job.controls,
    o.cache.namespace(o.cache.namespaceOf(job.key)),
    o.clock.now(),
  );
  if (usable && conversion !== undefined && verdict.use !== 'upstream') {
    const hit: Hit =
      verdict.use === 'fresh'
        ? { fresh: true, entry: usable, conversion }
        : {
            fresh: false,
            entry: usable,
            conversion,
            detail: verdict.use,
            refresh: verdict.use === 'stale-while-revalidate' || verdict.revalidate,
          };
    return { kind: 'hit', job, hit };
  }
  const fallback = verdict.use === 'upstream' ? verdict.fallback : undefined;
  const fwd = verdict.use === 'upstream' && verdict.reason === 'too-old' ? 'request' : 'miss';
  return missOf(job, fwd, fallback);
}

/** A miss, or the 504 of `only-if-cached`; also what a hit whose entry could not be converted becomes. */
export function missOf(job: Job, fwd: 'miss' | 'request' = 'miss', fallback?: CacheEntry): Outcome {
  if (job.controls.onlyIfCached) return { kind: 'only-if-cached', job };
  return fallback ? { kind: 'miss', job, fwd, fallback } : { kind: 'miss', job, fwd };
}
