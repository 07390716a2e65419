import type { KeyRequest, Provider, RouteInfo } from './types';

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

// '/v1/threads/{id}/messages' is OpenAI's Assistants API, not Anthropic's Messages API.
const ANTHROPIC: Pattern[] = [
  { provider: 'anthropic', endpoint: 'messages', re: /\/messages$/, not: /\/threads\/[^/]+\/messages$/ },
];

const OPENAI: Pattern[] = [
  ['chat/completions', 'chat.completions'],
  ['completions', 'completions'],
  ['responses', 'responses'],
  ['embeddings', 'embeddings'],
  ['moderations', 'moderations'],
].map(([suffix, endpoint]) => ({ provider: 'openai', endpoint, re: new RegExp(`/${suffix}$`) }));

const MODELS = /\/models(?:\/([^/]+))?$/;
const STREAM_CONVERTIBLE = new Set(['openai:chat.completions', 'anthropic:messages']);

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

function headerPresent(req: KeyRequest, name: string): boolean {
  const v = req.headers[name];
  return v !== undefined && (Array.isArray(v) ? v.length > 0 : v !== '');
}

function patternsFor(provider: Provider | undefined): Pattern[] {
  switch (provider) {
    case 'openai':
      return OPENAI;
    case 'anthropic':
      return ANTHROPIC;
    case 'gemini':
      return GEMINI;
    // A forced Azure mount may use Azure's OpenAI-shaped v1 paths ('/openai/v1/chat/completions').
    case 'azure':
      return [...AZURE, ...OPENAI.map((p) => ({ ...p, provider: 'azure' as const }))];
    case 'unknown':
      return [];
    default:
      return [...AZURE, ...GEMINI, ...ANTHROPIC, ...OPENAI];
  }
}

/** Who serves a model list: the path does not say, so headers and query do. */
function modelsProvider(req: KeyRequest, path: string, query: URLSearchParams): Provider {
  if (headerPresent(req, 'anthropic-version') || headerPresent(req, 'x-api-key')) return 'anthropic';
  if (headerPresent(req, 'x-goog-api-key') || query.has('key') || /\/v1(alpha|beta)\d*\//.test(path))
    return 'gemini';
  if (query.has('api-version') && /\/openai(\/|$)/.test(path)) return 'azure';
  return 'openai';
}

export function splitUrl(url: string): { path: string; query: URLSearchParams } {
  const q = url.indexOf('?');
  const rawPath = q === -1 ? url : url.slice(0, q);
  const hash = rawPath.indexOf('#');
  const path = ('/' + (hash === -1 ? rawPath : rawPath.slice(0, hash)))
    .replace(/\/{2,}/g, '/')
    .replace(/(.)\/$/, '$1');
  return { path, query: new URLSearchParams(q === -1 ? '' : url.slice(q + 1).replace(/#.*$/, '')) };
}

function bodyModel(body: unknown): string | undefined {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const model = (body as Record<string, unknown>).model;
  return typeof model === 'string' && model !== '' ? model : undefined;
}

function bodyStreams(body: unknown): boolean {
  return body !== null && typeof body === 'object' && (body as Record<string, unknown>).stream === true;
}

/** Provider, endpoint, model and stream mode of a request, plus its path parts. `forced` pins the provider. */
export function matchRoute(req: KeyRequest, forced?: Provider): RouteMatch {
  const { path, query } = splitUrl(req.url);
  const method = req.method.toUpperCase();
  const make = (
    provider: Provider,
    endpoint: string,
    model: string | undefined,
    prefix: string,
  ): RouteMatch => {
    const streaming =
      bodyStreams(req.body) ||
      endpoint === 'streamGenerateContent' ||
      (provider === 'gemini' && query.get('alt') === 'sse');
    return {
      route: {
        provider,
        endpoint,
        model: model ?? bodyModel(req.body) ?? 'none',
        streaming,
        streamConvertible: STREAM_CONVERTIBLE.has(`${provider}:${endpoint}`),
      },
      path,
      prefix,
      query,
    };
  };

  if (method === 'GET' || method === 'HEAD') {
    const m = MODELS.exec(path);
    if (m && forced !== 'unknown') {
      const provider = forced ?? modelsProvider(req, path, query);
      return make(provider, 'models', m[1] === undefined ? 'none' : decode(m[1]), path.slice(0, m.index));
    }
  }
  for (const p of patternsFor(forced)) {
    const m = p.re.exec(path);
    // The match starts where the endpoint's own path begins, so what comes before is the mount prefix.
    if (m && !p.not?.test(path))
      return make(forced ?? p.provider, p.endpoint, p.model?.(m), path.slice(0, m.index));
  }
  return make(forced ?? 'unknown', 'unknown', undefined, path);
}

/** Provider, endpoint, model and stream mode of a request. `provider` pins the provider (for an ambiguous mount). */
export function routeOf(req: KeyRequest, provider?: Provider): RouteInfo {
  if (provider !== undefined && !PROVIDERS.includes(provider)) {
    throw new TypeError(`routeOf: provider must be one of ${PROVIDERS.join(', ')}`);
  }
  return matchRoute(req, provider).route;
}
