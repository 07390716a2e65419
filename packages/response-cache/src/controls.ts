import { ownValue, setOwn } from '@gatecache/core';
import type { IncomingHttpHeaders } from 'node:http';

/** Per-request cache directives: RFC 9111 request `Cache-Control` plus gatecache's `x-gatecache-*` headers. */
export interface RequestControls {
  /** Go upstream, store the answer, never share another request's answer. */
  noCache: boolean;
  /** Neither read nor write the cache. */
  noStore: boolean;
  /** Accept only entries at most this many seconds old. */
  maxAge?: number;
  /** Accept stale entries up to this many seconds past expiry (Infinity for a bare `max-stale`). */
  maxStale?: number;
  /** Answer from the cache or 504, never upstream. */
  onlyIfCached: boolean;
  /** `x-gatecache-ttl`: freshness in seconds for the stored answer. */
  ttl?: number;
  /** `x-gatecache-namespace`: store and look up under this namespace instead of the keyer's. */
  namespace?: string;
  /** `x-gatecache-tags`: tags stored with the entry. */
  tags: string[];
  /** `x-gatecache-bypass: 1`: as if the cache were not there. */
  bypass: boolean;
  /** Standard directives that did not parse; ignored as RFC 9111 says, and logged. */
  warnings: string[];
}

/** A malformed `x-gatecache-*` header: the request is refused with 400 (a wrong explicit control should not pass silently). */
export class ControlError extends Error {
  constructor(
    readonly header: string,
    message: string,
  ) {
    super(message);
    this.name = 'ControlError';
  }
}

export const CONTROL_PREFIX = 'x-gatecache-';
const SECONDS = /^\d{1,10}$/;
const WORD = /^[a-z][a-z0-9_-]*$/i;
const TAG = /^[\w.:/@-]{1,128}$/;
const MAX_TAGS = 32;

function single(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = ownValue(headers, name);
  if (v === undefined) return undefined;
  return (Array.isArray(v) ? v.join(',') : v).trim();
}

function parseCacheControl(value: string | undefined, out: RequestControls): void {
  if (!value) return;
  for (const part of value.split(',')) {
    const directive = part.trim();
    if (!directive) continue;
    const eq = directive.indexOf('=');
    const name = (eq === -1 ? directive : directive.slice(0, eq)).trim().toLowerCase();
    const arg =
      eq === -1
        ? undefined
        : directive
            .slice(eq + 1)
            .trim()
            .replace(/^"(.*)"$/, '$1');
    const seconds = arg !== undefined && SECONDS.test(arg) ? Number(arg) : undefined;
    switch (name) {
      case 'no-cache':
        out.noCache = true;
        break;
      case 'no-store':
        out.noStore = true;
        break;
      case 'only-if-cached':
        out.onlyIfCached = true;
        break;
      case 'max-age':
        if (seconds === undefined) out.warnings.push(`invalid max-age "${arg ?? ''}"`);
        else out.maxAge = seconds;
        break;
      case 'max-stale':
        if (arg === undefined) out.maxStale = Infinity;
        else if (seconds === undefined) out.warnings.push(`invalid max-stale "${arg}"`);
        else out.maxStale = seconds;
        break;
      default:
      // min-fresh, no-transform, extensions: no meaning for this cache.
    }
  }
}

/** Reads the request's cache directives; throws ControlError for a malformed `x-gatecache-*` value. */
export function parseControls(headers: IncomingHttpHeaders): RequestControls {
  const out: RequestControls = {
    noCache: false,
    noStore: false,
    onlyIfCached: false,
    tags: [],
    bypass: false,
    warnings: [],
  };
  parseCacheControl(single(headers, 'cache-control'), out);
  // HTTP/1.0 clients say `Pragma: no-cache` when they mean it (RFC 9111 5.4) and send no Cache-Control.
  if (
    headers['cache-control'] === undefined &&
    /(^|,)\s*no-cache\s*(,|$)/i.test(single(headers, 'pragma') ?? '')
  ) {
    out.noCache = true;
  }

  const ttl = single(headers, 'x-gatecache-ttl');
  if (ttl !== undefined) {
    if (!SECONDS.test(ttl))
      throw new ControlError('x-gatecache-ttl', 'x-gatecache-ttl must be whole seconds >= 0');
    out.ttl = Number(ttl);
  }
  const namespace = single(headers, 'x-gatecache-namespace');
  if (namespace !== undefined) {
    if (!WORD.test(namespace)) {
      throw new ControlError(
        'x-gatecache-namespace',
        'x-gatecache-namespace must be a word ([a-z][a-z0-9_-]*)',
      );
    }
    out.namespace = namespace;
  }
  const tags = single(headers, 'x-gatecache-tags');
  if (tags !== undefined) {
    const list = [
      ...new Set(
        tags
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean),
      ),
    ];
    const bad = list.find((t) => !TAG.test(t));
    if (bad !== undefined)
      throw new ControlError('x-gatecache-tags', `x-gatecache-tags: invalid tag "${bad}"`);
    if (list.length > MAX_TAGS)
      throw new ControlError('x-gatecache-tags', `x-gatecache-tags: at most ${MAX_TAGS} tags`);
    out.tags = list;
  }
  const bypass = single(headers, 'x-gatecache-bypass');
  if (bypass !== undefined) {
    const v = bypass.toLowerCase();
    if (v === '1' || v === 'true') out.bypass = true;
    else if (v !== '0' && v !== 'false') {
      throw new ControlError('x-gatecache-bypass', 'x-gatecache-bypass must be 1, 0, true or false');
    }
  }
  return out;
}

/** What stripControlHeaders returns for a request without controls (most of them). */
export const NO_CONTROL_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/** Removes every `x-gatecache-*` header so none reaches the provider; returns what was removed. */
export function stripControlHeaders(headers: IncomingHttpHeaders): Readonly<Record<string, string>> {
  let removed: Record<string, string> | undefined;
  for (const name of Object.keys(headers)) {
    if (!name.startsWith(CONTROL_PREFIX)) continue;
    const v = ownValue(headers, name);
    setOwn((removed ??= {}), name, Array.isArray(v) ? v.join(',') : (v ?? ''));
    Reflect.deleteProperty(headers, name);
  }
  return removed ?? NO_CONTROL_HEADERS;
}

/** The controls of a request that has none: shared, never to be mutated. */
export const NO_CONTROLS: RequestControls = Object.freeze({
  noCache: false,
  noStore: false,
  onlyIfCached: false,
  tags: Object.freeze([]) as unknown as string[],
  bypass: false,
  warnings: Object.freeze([]) as unknown as string[],
});

/** parseControls for a request's headers, after stripControlHeaders took the `x-gatecache-*` ones out. */
export function requestControls(
  headers: IncomingHttpHeaders,
  controlHeaders: Readonly<Record<string, string>>,
): RequestControls {
  const cacheControl = headers['cache-control'];
  const pragma = headers.pragma;
  if (controlHeaders === NO_CONTROL_HEADERS && cacheControl === undefined && pragma === undefined) {
    return NO_CONTROLS;
  }
  return parseControls({ ...controlHeaders, 'cache-control': cacheControl, pragma });
}
