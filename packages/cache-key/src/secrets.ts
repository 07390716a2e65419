import { hmacHex } from './hash';
import { ownValue, setOwn } from './own';

export { setOwn };
import type { KeyRequest, Provider } from './types';

/** Headers that carry a provider credential: they feed the tenant hash and never the key or an explanation. */
export const CREDENTIAL_HEADERS: readonly string[] = [
  'authorization',
  'x-api-key',
  'api-key',
  'x-goog-api-key',
  'proxy-authorization',
  'cookie',
];

/** Query parameters that carry a credential (Gemini's ?key=, and the usual spellings elsewhere). */
export const CREDENTIAL_QUERY_PARAMS: readonly string[] = [
  'key',
  'api-key',
  'api_key',
  'apikey',
  'access_token',
];

// The names above with case, `-`, `_` and a qs-style `[...]` suffix taken away: `API_KEY`, `Api-Key`, `key[]`
// and `access-token` all name a credential, whatever a provider itself accepts.
const CREDENTIAL_PARAM_STEMS = new Set(CREDENTIAL_QUERY_PARAMS.map((n) => n.replace(/[-_]/g, '')));

/** Whether a query parameter name (decoded) carries a credential, in any spelling (`KEY`, `Api_Key`, `key[]`). */
export function isCredentialParam(name: string): boolean {
  return CREDENTIAL_PARAM_STEMS.has(name.trim().toLowerCase().replace(/\[.*$/, '').replace(/[-_]/g, ''));
}

/** The decoded name of one `name=value` segment of a query string, as URLSearchParams (and providers) read it. */
function paramName(segment: string): string {
  const eq = segment.indexOf('=');
  const raw = (eq === -1 ? segment : segment.slice(0, eq)).replace(/\+/g, ' ');
  try {
    return decodeURIComponent(raw);
  } catch {
    // A malformed escape: decode what can be decoded, so `%6Bey%ZZ` is still seen for what it mostly is.
    return raw.replace(/%[0-9a-f]{2}/gi, (m) => String.fromCharCode(parseInt(m.slice(1), 16)));
  }
}

/**
 * A URL (path and query, as `req.originalUrl`) with every credential query parameter removed (`replacement`
 * undefined) or given `replacement` as its value (`[redacted]` for logs). Other parameters keep their exact
 * bytes and order. The one place a URL is cleaned before it is kept anywhere (recipes, logs, messages).
 */
export function withoutCredentials(url: string, replacement?: string): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  const query = url.slice(q + 1);
  let changed = false;
  const kept: string[] = [];
  for (const segment of query.split('&')) {
    if (segment !== '' && isCredentialParam(paramName(segment))) {
      changed = true;
      const eq = segment.indexOf('=');
      if (replacement !== undefined)
        kept.push(`${eq === -1 ? segment : segment.slice(0, eq)}=${replacement}`);
      continue;
    }
    kept.push(segment);
  }
  if (!changed) return url;
  const rest = kept.join('&');
  return rest === '' ? url.slice(0, q) : `${url.slice(0, q)}?${rest}`;
}

// Cookies and proxy credentials are kept out of vary/explain, but are not a provider credential: a browser
// cookie changing must not split a tenant.
const TENANT_HEADERS = ['authorization', 'x-api-key', 'api-key', 'x-goog-api-key'];
const BEARER = /^bearer\s+/i;

/**
 * Where each provider reads its credential. Only these make the tenant: a header the provider ignores (an
 * `x-api-key` next to OpenAI's Authorization) would let one key mint any number of tenants, and with them keys,
 * entries and metric series. An unknown route's upstream may read any of them.
 */
export const ROUTE_CREDENTIALS: Readonly<
  Record<Provider, { headers: readonly string[]; query: readonly string[] }>
> = Object.freeze({
  openai: { headers: ['authorization'], query: [] },
  // Azure: an api-key, or a Microsoft Entra ID bearer token.
  azure: { headers: ['api-key', 'authorization'], query: [] },
  // Anthropic: x-api-key, or an OAuth bearer token.
  anthropic: { headers: ['x-api-key', 'authorization'], query: [] },
  // Gemini: x-goog-api-key or ?key=, or an OAuth bearer token.
  gemini: { headers: ['x-goog-api-key', 'authorization'], query: ['key'] },
  unknown: { headers: TENANT_HEADERS, query: CREDENTIAL_QUERY_PARAMS },
});

function collect(
  req: KeyRequest,
  query: URLSearchParams,
  where: { headers: readonly string[]; query: readonly string[] },
): Set<string> {
  const found = new Set<string>();
  for (const name of where.headers) {
    const raw = headerValue(ownValue(req.headers, name))?.trim();
    if (raw) found.add(raw.replace(BEARER, '').trim());
  }
  for (const name of where.query) {
    for (const raw of query.getAll(name)) if (raw.trim()) found.add(raw.trim());
  }
  found.delete('');
  return found;
}

export function headerValue(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(',') : value;
}

/**
 * The credential a request carries where `provider` reads it (ROUTE_CREDENTIALS), without its 'Bearer '
 * scheme, so one API key gives one tenant whichever header it arrives in. Several different credentials are
 * joined (sorted) so that any of them changing changes the tenant. When none is where the provider reads it,
 * any other credential header or parameter counts (an OpenAI-compatible server that reads `x-api-key` must
 * not put all its callers in one shared tenant); a real provider refuses such a request, so nothing of it is
 * stored. Undefined when there is none.
 */
export function credentialOf(
  req: KeyRequest,
  query: URLSearchParams,
  provider: Provider = 'unknown',
): string | undefined {
  let found = collect(req, query, ROUTE_CREDENTIALS[provider]);
  if (found.size === 0 && provider !== 'unknown') found = collect(req, query, ROUTE_CREDENTIALS.unknown);
  if (found.size === 0) return undefined;
  return [...found].sort().join('\n');
}

// Body fields that hold secrets (Azure On Your Data `authentication.key`, MCP server tokens, ...). Their string
// values are replaced by an HMAC: the key still tells different secrets apart, but neither the hashed text nor
// an explanation ever shows one.
const SECRET_NAMES = new Set([
  'api_key',
  'apikey',
  'x_api_key',
  'authorization',
  'authorization_token',
  'password',
  'passwd',
  'secret',
  'client_secret',
  'access_token',
  'refresh_token',
  'bearer_token',
  'token',
  'connection_string',
  'encoded_api_key',
]);
const SECRET_PARENTS = new Set(['authentication', 'credentials', 'auth']);

function isSecretName(name: string, parent: string | undefined): boolean {
  const n = name.toLowerCase().replace(/-/g, '_');
  if (SECRET_NAMES.has(n)) return true;
  return n === 'key' && parent !== undefined && SECRET_PARENTS.has(parent.toLowerCase());
}

/**
 * Whether a request body holds a secret-named string field anywhere (the fields `sealSecrets` hides from
 * keys): such a body cannot be kept in clear, so a request carrying one gets no replay recipe.
 */
export function hasSecretFields(value: unknown, parent?: string): boolean {
  if (Array.isArray(value)) return value.some((item) => hasSecretFields(item, parent));
  if (value === null || typeof value !== 'object') return false;
  const source = value as Record<string, unknown>;
  for (const name of Object.keys(source)) {
    const item = ownValue(source, name);
    if (typeof item === 'string' ? isSecretName(name, parent) : hasSecretFields(item, name)) return true;
  }
  return false;
}

/**
 * Deepest nesting of arrays and objects a keyed body may have. JSON.parse takes any depth, but walking 5,000
 * levels overflows the stack (a 10 KB body); real request bodies (JSON schemas included) nest a few dozen.
 */
export const MAX_BODY_DEPTH = 512;

/**
 * A copy of `value` with secret-named string values replaced by '[secret:<hmac>]'. Shares unchanged parts.
 * Throws a TypeError past MAX_BODY_DEPTH levels (which a cycle also reaches), never a stack overflow.
 */
export function sealSecrets(value: unknown, secret: string | Buffer, parent?: string, depth = 0): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_BODY_DEPTH) {
    throw new TypeError(`cache-key: body nested deeper than ${MAX_BODY_DEPTH} levels (or cyclic)`);
  }
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((item) => {
      const sealed = sealSecrets(item, secret, parent, depth + 1);
      if (sealed !== item) changed = true;
      return sealed;
    });
    return changed ? out : value;
  }
  let out: Record<string, unknown> | undefined;
  const source = value as Record<string, unknown>;
  for (const name of Object.keys(source)) {
    const item = ownValue(source, name);
    const sealed =
      typeof item === 'string' && isSecretName(name, parent)
        ? `[secret:${hmacHex(secret, 'body-secret\n' + item).slice(0, 32)}]`
        : sealSecrets(item, secret, name, depth + 1);
    if (sealed !== item && out === undefined) {
      out = {};
      for (const k of Object.keys(source)) setOwn(out, k, ownValue(source, k));
    }
    if (out !== undefined) setOwn(out, name, sealed);
  }
  return out ?? value;
}
