import { ownValue } from '@gatecache/core';

/** Request headers that carry a credential or a session: never kept in a key, an explanation, a recipe or a log. */
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

// Body fields that hold secrets (Azure On Your Data `authentication.key`, MCP server tokens, ...). cache-key
// replaces their string values by an HMAC, and a request with one gets no replay recipe.
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

/** Whether a body field named `name` (under `parent`) holds a secret when its value is a string. */
export function isSecretName(name: string, parent: string | undefined): boolean {
  const n = name.toLowerCase().replace(/-/g, '_');
  if (SECRET_NAMES.has(n)) return true;
  return n === 'key' && parent !== undefined && SECRET_PARENTS.has(parent.toLowerCase());
}

/**
 * Whether a request body holds a secret-named string field anywhere (see isSecretName): such a body cannot be
 * kept in clear, so a request carrying one gets no replay recipe.
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
