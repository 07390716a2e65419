import { ownValue } from '@gatecache/core';

/** The providers whose request shapes gatecache understands. */
export type Provider = 'openai' | 'anthropic' | 'gemini' | 'azure' | 'unknown';

/** The parts of an incoming request that say what it is. */
export interface RouteRequest {
  method: string;
  /** Path and query as the gateway received it (Express `req.originalUrl`), e.g. '/v1/chat/completions' or '/anthropic/v1/messages'. */
  url: string;
  /** Lower-case header names, as Node gives them. */
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body; undefined for GET or non-JSON bodies. */
  body?: unknown;
}

/** What a request is: provider, endpoint, model and stream mode. */
export interface RouteInfo {
  provider: Provider;
  /**
   * Normalized endpoint id: 'chat.completions' | 'completions' | 'responses' | 'embeddings' | 'moderations' |
   * 'models' | 'messages' | 'generateContent' | 'streamGenerateContent' | 'embedContent' | 'stored-object' |
   * 'unknown'. 'stored-object' is a call on an object the provider keeps (`GET /v1/responses/{id}`, a
   * conversation, a stored chat completion): never answered from a cache. Gemini's
   * `streamGenerateContent?alt=sse` is 'generateContent' with `streaming` (one entry for both modes).
   */
  endpoint: string;
  /** Model from the body or the path (Gemini: '/models/{model}:generateContent'; Azure: the deployment), or 'none'. */
  model: string;
  /** The request asks for a stream (body.stream === true, Gemini streamGenerateContent or alt=sse). */
  streaming: boolean;
  /**
   * True only where a stream/non-stream converter exists: OpenAI chat.completions and responses, Anthropic
   * messages.
   * There `stream` (and `stream_options`) are left out of the key so one entry serves both modes.
   */
  streamConvertible: boolean;
}

export const PROVIDERS: readonly Provider[] = ['openai', 'anthropic', 'gemini', 'azure', 'unknown'];

/** A route plus the parts of the URL that the key needs. */
export interface RouteMatch {
  route: RouteInfo;
  /** Normalized path (no query, no duplicate or trailing slashes). */
  path: string;
  /** The mount prefix before the endpoint's path ('/v1', '/anthropic/v1'); the whole path for unknown endpoints. */
  prefix: string;
  query: URLSearchParams;
}

/** The endpoint of calls on objects the provider keeps (see STORED): never answered from a cache. */
export const STORED_OBJECT = 'stored-object';

interface Pattern {
  provider: Provider;
  endpoint: string;
  re: RegExp;
  /** Paths that end like `re` but belong to another API. */
  not?: RegExp;
  /** The model, when the path names it. */
  model?: (m: RegExpExecArray) => string;
}

// Suffix patterns, because mounts vary ('/v1/chat/completions', '/chat/completions', '/openai/v1/...').
// Order matters: the more specific shape comes first.
const AZURE: Pattern[] = [
  ['chat/completions', 'chat.completions'],
  ['completions', 'completions'],
  ['embeddings', 'embeddings'],
].map(([suffix, endpoint]) => ({
  provider: 'azure',
  endpoint,
  re: new RegExp(`/openai/deployments/([^/]+)/${suffix}$`),
  model: (m) => decode(m[1]),
}));

const GEMINI: Pattern[] = ['generateContent', 'streamGenerateContent', 'embedContent'].map((endpoint) => ({
  provider: 'gemini',
  endpoint,
  re: new RegExp(`/(models|tunedModels)/([^/:]+):${endpoint}$`),
  model: (m) => (m[1] === 'models' ? decode(m[2]) : `tunedModels/${decode(m[2])}`),
}));

// '/v1/threads/{id}/messages' (Assistants) and '/v1/chat/completions/{id}/messages' (a stored chat completion)
// are OpenAI's, not Anthropic's Messages API.
const ANTHROPIC: Pattern[] = [
  {
    provider: 'anthropic',
    endpoint: 'messages',
    re: /\/messages$/,
    not: /\/(?:threads|chat\/completions)\/[^/]+\/messages$/,
  },
];

// Calls on objects the provider keeps for an account: a stored response (get, delete, cancel, input items),
// a conversation and its items, a stored chat completion and its messages. Their answers change with the
// object, so they are recognized only so that no cache takes them for a create call. First in the list: the
// Anthropic pattern would otherwise claim '/chat/completions/{id}/messages'. '/responses/input_tokens' and
// '/responses/compact' are calls of their own, not stored objects.
const STORED: Pattern[] = [
  { re: /\/responses\/[^/]+(?:\/(?:cancel|input_items))?$/, not: /\/responses\/(?:input_tokens|compact)$/ },
  { re: /\/conversations(?:\/[^/]+(?:\/items(?:\/[^/]+)?)?)?$/ },
  { re: /\/chat\/completions\/[^/]+(?:\/messages)?$/ },
].map((p) => ({ provider: 'openai', endpoint: STORED_OBJECT, ...p }));

const OPENAI: Pattern[] = [
  ['chat/completions', 'chat.completions'],
  ['completions', 'completions'],
  ['responses', 'responses'],
  ['embeddings', 'embeddings'],
  ['moderations', 'moderations'],
].map(([suffix, endpoint]) => ({ provider: 'openai', endpoint, re: new RegExp(`/${suffix}$`) }));

const LISTED = new Set(['chat.completions', 'responses']);
const MODELS = /\/models(?:\/([^/]+))?$/;
const STREAM_CONVERTIBLE = new Set([
  'openai:chat.completions',
  'openai:responses',
  'anthropic:messages',
  'gemini:generateContent',
]);

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

function headerPresent(req: RouteRequest, name: string): boolean {
  const v = ownValue(req.headers, name);
  return v !== undefined && (Array.isArray(v) ? v.length > 0 : v !== '');
}

function patternsFor(provider: Provider | undefined): Pattern[] {
  switch (provider) {
    case 'openai':
      return [...STORED, ...OPENAI];
    case 'anthropic':
      return ANTHROPIC;
    case 'gemini':
      return GEMINI;
    // A forced Azure mount may use Azure's OpenAI-shaped v1 paths ('/openai/v1/chat/completions').
    case 'azure':
      return [...AZURE, ...[...STORED, ...OPENAI].map((p) => ({ ...p, provider: 'azure' as const }))];
    case 'unknown':
      return [];
    default:
      return [...STORED, ...AZURE, ...GEMINI, ...ANTHROPIC, ...OPENAI];
  }
}

/**
 * Who serves a model list: the path does not say, so headers and query do. An `x-api-key` next to an
 * `Authorization` does not make it Anthropic's (which needs `anthropic-version` anyway): that would let a random
 * x-api-key beside one real OpenAI key mint a tenant per request.
 */
function modelsProvider(req: RouteRequest, path: string, query: URLSearchParams): Provider {
  if (headerPresent(req, 'anthropic-version')) return 'anthropic';
  if (headerPresent(req, 'x-api-key') && !headerPresent(req, 'authorization')) return 'anthropic';
  if (headerPresent(req, 'x-goog-api-key') || query.has('key') || /\/v1(alpha|beta)\d*\//.test(path))
    return 'gemini';
  if (query.has('api-version') && /\/openai(\/|$)/.test(path)) return 'azure';
  return 'openai';
}

function normalizePath(rawPath: string): string {
  const hash = rawPath.indexOf('#');
  return ('/' + (hash === -1 ? rawPath : rawPath.slice(0, hash)))
    .replace(/\/{2,}/g, '/')
    .replace(/(.)\/$/, '$1');
}

function bodyModel(body: unknown): string | undefined {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const model = (body as Record<string, unknown>).model;
  return typeof model === 'string' && model !== '' ? model : undefined;
}

function bodyStreams(body: unknown): boolean {
  return body !== null && typeof body === 'object' && (body as Record<string, unknown>).stream === true;
}

/** What the method and path alone say about a request: the same for every request to that path. */
interface PathRoute {
  provider: Provider;
  endpoint: string;
  /** The model the path names (Gemini, Azure, one model's GET), if any. */
  model: string | undefined;
  path: string;
  prefix: string;
  streamConvertible: boolean;
}

/**
 * Remembers what paths mean, so a busy route is matched once rather than against every pattern per request.
 * Keyed by method, forced provider and the path without its query (which can carry a credential).
 */
export interface RouteMemo {
  get(scope: string, path: string): PathRoute | undefined;
  set(scope: string, path: string, route: PathRoute): void;
}

export function createRouteMemo(size = 1000): RouteMemo {
  // One map per method and forced provider (a handful), keyed by the path as received: no key string to build
  // per request. First in, first out: a gateway has a few routes, and a flood of odd paths only costs matching.
  const scopes = new Map<string, Map<string, PathRoute>>();
  let count = 0;
  const order: [Map<string, PathRoute>, string][] = [];
  return {
    get: (scope, path) => scopes.get(scope)?.get(path),
    set(scope, path, route) {
      let map = scopes.get(scope);
      if (!map) scopes.set(scope, (map = new Map()));
      if (map.has(path)) return;
      if (count >= size) {
        const [oldest, oldPath] = order.shift() as [Map<string, PathRoute>, string];
        oldest.delete(oldPath);
        count--;
      }
      map.set(path, route);
      order.push([map, path]);
      count++;
    },
  };
}

function pathRoute(
  provider: Provider,
  endpoint: string,
  model: string | undefined,
  path: string,
  prefix: string,
): PathRoute {
  const streamConvertible = STREAM_CONVERTIBLE.has(`${provider}:${endpoint}`);
  return { provider, endpoint, model, path, prefix, streamConvertible };
}

/** The route a method and path give; `pathOnly` is false when headers or query decided it too. */
function routePath(
  req: RouteRequest,
  method: string,
  path: string,
  query: () => URLSearchParams,
  forced?: Provider,
): { route: PathRoute; pathOnly: boolean } {
  if (method === 'GET' || method === 'HEAD') {
    const m = MODELS.exec(path);
    if (m && forced !== 'unknown') {
      const provider = forced ?? modelsProvider(req, path, query());
      const model = m[1] === undefined ? 'none' : decode(m[1]);
      // Who serves a model list depends on headers and query, so this answer is not the path's alone.
      return { route: pathRoute(provider, 'models', model, path, path.slice(0, m.index)), pathOnly: false };
    }
  }
  for (const p of patternsFor(forced)) {
    const m = p.re.exec(path);
    // The match starts where the endpoint's own path begins, so what comes before is the mount prefix.
    if (m && !p.not?.test(path)) {
      // GET and DELETE on a create path list or delete stored chat completions and responses.
      const lists = (method === 'GET' || method === 'DELETE') && LISTED.has(p.endpoint);
      const endpoint = lists ? STORED_OBJECT : p.endpoint;
      const route = pathRoute(forced ?? p.provider, endpoint, p.model?.(m), path, path.slice(0, m.index));
      return { route, pathOnly: true };
    }
  }
  return { route: pathRoute(forced ?? 'unknown', 'unknown', undefined, path, path), pathOnly: true };
}

/** Provider, endpoint, model and stream mode of a request, plus its path parts. `forced` pins the provider. */
export function matchRoute(req: RouteRequest, forced?: Provider, memo?: RouteMemo): RouteMatch {
  const url = req.url;
  const q = url.indexOf('?');
  const rawPath = q === -1 ? url : url.slice(0, q);
  const query = new LazyQuery(q === -1 ? '' : url.slice(q + 1));
  const method = req.method.toUpperCase();
  const scope = forced === undefined ? method : `${method} ${forced}`;
  let pr = memo?.get(scope, rawPath);
  if (!pr) {
    const found = routePath(req, method, normalizePath(rawPath), () => query.params, forced);
    pr = found.route;
    if (memo && found.pathOnly) memo.set(scope, rawPath, pr);
  }
  const { provider } = pr;
  let { endpoint, streamConvertible } = pr;
  const sse = provider === 'gemini' && q !== -1 && query.params.get('alt') === 'sse';
  const streaming = bodyStreams(req.body) || endpoint === 'streamGenerateContent' || sse;
  // Gemini's SSE stream is generateContent's answer in chunks: one endpoint, so one key and one entry for
  // both modes. Without alt=sse the stream is a JSON array, another shape, kept apart.
  if (sse && endpoint === 'streamGenerateContent') {
    endpoint = 'generateContent';
    streamConvertible = true;
  }
  const route: RouteInfo = {
    provider,
    endpoint,
    model: pr.model ?? bodyModel(req.body) ?? 'none',
    streaming,
    streamConvertible,
  };
  return new Match(route, pr.path, pr.prefix, query);
}

/** A query string parsed on first use: most keys never read it. */
class LazyQuery {
  #params: URLSearchParams | undefined;
  constructor(private readonly raw: string) {}
  get params(): URLSearchParams {
    return (this.#params ??= new URLSearchParams(this.raw.replace(/#.*$/, '')));
  }
}

// A class rather than an object literal with a getter, which engines build through a slower path.
class Match implements RouteMatch {
  constructor(
    readonly route: RouteInfo,
    readonly path: string,
    readonly prefix: string,
    private readonly lazyQuery: LazyQuery,
  ) {}
  get query(): URLSearchParams {
    return this.lazyQuery.params;
  }
}

/** Provider, endpoint, model and stream mode of a request. `provider` pins the provider (for an ambiguous mount). */
export function routeOf(req: RouteRequest, provider?: Provider): RouteInfo {
  if (provider !== undefined && !PROVIDERS.includes(provider)) {
    throw new TypeError(`routeOf: provider must be one of ${PROVIDERS.join(', ')}`);
  }
  return matchRoute(req, provider).route;
}
