import { ownValue } from '@gatecache/core';
import type { ServerResponse } from 'node:http';
import type { CacheEntry } from '@gatecache/core';
import type { RouteInfo } from '@gatecache/cache-key';
import { jsonToSse, parseSse, sseToJson } from '@gatecache/providers';
import { exposedKey } from './context';
import type { Deps, Job } from './context';
import { ageSeconds, ttlSeconds } from './freshness';
import { JSON_CONTENT_TYPE, SSE_CONTENT_TYPE, cacheStatus } from './headers';
import type { CacheHeaderValues } from './headers';

/** How an entry's bytes become this request's answer: as stored, or converted between a stream and JSON. */
export type Conversion = 'none' | 'sse-to-json' | 'json-to-sse';

/** An entry that answers a request: fresh, or stale within a window the namespace or the client allows. */
export type Hit =
  | { fresh: true; entry: CacheEntry; conversion: Conversion }
  | {
      fresh: false;
      entry: CacheEntry;
      conversion: Conversion;
      /** Served within the namespace's stale-while-revalidate window, or because the client said max-stale. */
      detail: 'stale-while-revalidate' | 'max-stale';
      /** Refresh the entry in the background. */
      refresh: boolean;
    };

/**
 * How an entry answers a request of this route: same shape, or a converter between the shapes (OpenAI chat
 * and Anthropic messages). Undefined when it cannot: a stream entry for a JSON request with no converter.
 */
export function conversionOf(entry: Pick<CacheEntry, 'kind'>, route: RouteInfo): Conversion | undefined {
  if (entry.kind === 'sse' && !route.streaming) return route.streamConvertible ? 'sse-to-json' : undefined;
  if (entry.kind === 'json' && route.streaming && route.streamConvertible) return 'json-to-sse';
  return 'none';
}

/**
 * Answers a request from a hit: writes it, counts it, lets the keyer remember the key for a byte-identical
 * repeat and starts the background refresh a stale hit asks for. False when the entry could not be
 * converted, which the caller treats as a miss.
 */
export function serveHit(job: Job, deps: Deps, hit: Hit): boolean {
  const { o, acct } = deps;
  const ttl = ttlSeconds(hit.entry, o.clock.now());
  const status = hit.fresh
    ? cacheStatus.hit(ttl)
    : hit.detail === 'max-stale'
      ? cacheStatus.staleHit(ttl)
      : cacheStatus.staleWhileRevalidate(ttl);
  const outcome = hit.fresh ? 'HIT' : 'STALE';
  if (!serveEntry(job, deps, hit.entry, { outcome, status }, hit.conversion)) return false;
  o.cache.recordLookup(job.key, hit.fresh ? 'hit' : 'stale', hit.entry.tier);
  acct.count(hit.fresh ? 'hits' : 'stale');
  acct.saved(job.key, job.namespace, hit.entry);
  if (job.keyRequest) o.keyer.remember?.(job.keyRequest, job.keyed);
  if (!hit.fresh && hit.refresh) {
    // The refresh replays the request from req.rawBody.
    job.held.attach();
    if (deps.revalidator.trigger(job.key, job.req, job.controlHeaders)) acct.count('revalidations');
  }
  return true;
}

/**
 * Answers the request from an entry (a hit, a stale-if-error fallback, another instance's answer); false
 * when the entry cannot serve it (a kind it cannot be converted from), which the caller treats as a miss.
 */
export function serveEntry(
  job: Job,
  deps: Deps,
  entry: CacheEntry,
  values: Omit<CacheHeaderValues, 'key' | 'age'>,
  conversion = conversionOf(entry, job.route),
): boolean {
  if (conversion === undefined) return false;
  let answer;
  try {
    answer = prepareAnswer(entry, job.route, conversion);
  } catch (err) {
    deps.o.logger.warn('gatecache: entry could not be converted for this request', {
      key: job.key,
      error: (err as Error).message,
    });
    return false;
  }
  // One object shape for every hit (spreads make a new one per call, and slow down whoever reads it).
  const headerValues: CacheHeaderValues = {
    outcome: values.outcome,
    status: values.status,
    age: ageSeconds(entry, deps.o.clock.now()),
    key: exposedKey(job, deps),
  };
  writeAnswer(job.res, answer, headerValues, job.method === 'HEAD');
  return true;
}

/** An entry made ready to write: the bytes the client wants (converted between JSON and SSE if need be). */
interface PreparedAnswer {
  status: number;
  /** Read-only: may be the entry's own headers. */
  headers: Readonly<Record<string, string>>;
  body: Buffer;
  kind: string;
}

/** The answer an entry gives: as stored, or converted with the route's stream converter. */
function prepareAnswer(entry: CacheEntry, route: RouteInfo, conversion: Conversion): PreparedAnswer {
  const stored = entry.headers ?? {};
  const status = entry.status ?? 200;
  const kind = entry.kind ?? 'raw';
  if (conversion === 'sse-to-json') {
    const json = sseToJson(route, parseSse(entry.body.toString('utf8')));
    const headers = { ...stored, 'content-type': JSON_CONTENT_TYPE };
    return { status, headers, body: Buffer.from(JSON.stringify(json)), kind: 'json' };
  }
  if (conversion === 'json-to-sse') {
    const headers = { ...stored, 'content-type': SSE_CONTENT_TYPE };
    return { status, headers, body: Buffer.from(jsonToSse(route, entry.body)), kind: 'sse' };
  }
  // The stored headers go out as they are (writeAnswer only reads them): no copy on the hit path.
  const fallbackType = kind === 'sse' ? SSE_CONTENT_TYPE : kind === 'json' ? JSON_CONTENT_TYPE : undefined;
  const headers =
    fallbackType !== undefined && stored['content-type'] === undefined
      ? { ...stored, 'content-type': fallbackType }
      : stored;
  return { status, headers, body: entry.body, kind };
}

/** Headers writeAnswer sets itself; a stored copy of one never goes out next to ours. */
const OWN_HEADERS = new Set(['content-length', 'x-cache', 'cache-status', 'age', 'x-gatecache-key']);

/**
 * Writes a prepared answer with one writeHead and one end: stored bytes, never re-serialised. The body is
 * identity-encoded; a compression middleware in front encodes it for the client as negotiated.
 */
function writeAnswer(
  res: ServerResponse,
  answer: PreparedAnswer,
  cache: CacheHeaderValues,
  headOnly: boolean,
): void {
  // A flat [name, value, ...] list: Node writes it as given, skipping the per-header object bookkeeping that
  // costs a measurable share of a hit.
  const headers: string[] = [];
  for (const name of Object.keys(answer.headers)) {
    if (OWN_HEADERS.has(name) || (answer.kind === 'sse' && name === 'cache-control')) continue;
    headers.push(name, ownValue(answer.headers, name) as string);
  }
  headers.push(
    'content-length',
    String(answer.body.length),
    'x-cache',
    cache.outcome,
    'cache-status',
    cache.status,
  );
  if (answer.kind === 'sse') headers.push('cache-control', 'no-cache');
  if (cache.age !== undefined) headers.push('age', String(cache.age));
  if (cache.key !== undefined) headers.push('x-gatecache-key', cache.key);
  res.writeHead(answer.status, headers);
  if (headOnly) res.end();
  else res.end(answer.body);
}
