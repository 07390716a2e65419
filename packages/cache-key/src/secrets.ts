import { CREDENTIAL_QUERY_PARAMS, isSecretName } from '@gatecache/providers';
import { hmacHex } from './hash';
import { ownValue, setOwn } from './own';

export { setOwn };
import type { KeyRequest, Provider } from './types';

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
