import { setOwn } from '@gatecache/core';
import type { BodyRequest } from './body';
import { hasSecretFields, withoutCredentials } from './credentials';

/**
 * How to ask the upstream for an entry again (kept in `entry.extra.recipe` for @gatecache/warming): the
 * method, the path as the client sent it, the request body and the non-secret headers that shaped the answer.
 */
export interface Recipe {
  v: 1;
  method: string;
  /** `originalUrl`: the path on this gateway, mount prefix included, without credential query parameters. */
  path: string;
  /** The request body, base64 (bytes as received, or the parsed JSON re-serialised when a parser ran first). */
  body?: string;
  /** Only allow-listed, non-credential request headers, lower case. */
  headers: Record<string, string>;
}

/** Request headers that change what a provider answers and are never secrets. */
export const RECIPE_HEADERS: readonly string[] = [
  'content-type',
  'accept',
  'anthropic-version',
  'anthropic-beta',
  'openai-beta',
];

/** Header names that may carry a credential or session: refused even when configured. */
const SECRET_NAME = /auth|key|token|secret|cookie|session|password|signature/i;

/** Whether a header name may never go into a recipe. */
export function isSecretHeader(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** Default cap (bytes) on a request body kept in a recipe; larger requests get no recipe. */
export const DEFAULT_RECIPE_MAX_BYTES = 64 * 1024;

// A JSON member name that may be a secret field (`"api_key":`, `"authentication": {"key":`): only bodies
// with one are parsed again to look (a stored miss pays a regular-expression test, not a second JSON.parse).
// Anchored on the word, with one bounded run after it, so the test stays linear in the body.
const MAYBE_SECRET_MEMBER = /(?:auth|key|token|secret|passw|connection_string)[^"\\]{0,40}"\s*:/i;

function bodyHasSecrets(req: BodyRequest, body: Buffer): boolean {
  if (req.body !== undefined && typeof req.body === 'object') return hasSecretFields(req.body);
  const text = body.toString('utf8');
  if (!MAYBE_SECRET_MEMBER.test(text)) return false;
  try {
    return hasSecretFields(JSON.parse(text));
  } catch {
    return false;
  }
}

/**
 * The replay recipe of a request, or undefined when it cannot be kept (body over `maxBytes`, or a body that
 * holds a secret field such as Azure's `authentication.key`). Credentials never enter it: only allow-listed
 * headers are copied, a name that looks like a credential is refused even if someone listed it, and
 * credential query parameters (`?key=`, `?api_key=`, any spelling) are removed from the path; a replay
 * (warming) adds the gateway's own credential.
 */
export function buildRecipe(
  req: BodyRequest,
  extraHeaders: ReadonlySet<string>,
  maxBytes: number,
): Recipe | undefined {
  const method = (req.method ?? 'GET').toUpperCase();
  let body: Buffer | undefined;
  if (method !== 'GET' && method !== 'HEAD') {
    body = req.rawBody ?? (req.body !== undefined ? Buffer.from(JSON.stringify(req.body)) : undefined);
    if (body && body.length > maxBytes) return undefined;
    if (body && bodyHasSecrets(req, body)) return undefined;
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    const lower = name.toLowerCase();
    if (!RECIPE_HEADERS.includes(lower) && !extraHeaders.has(lower)) continue;
    if (isSecretHeader(lower)) continue;
    const v = Array.isArray(value) ? value.join(', ') : value;
    if (typeof v === 'string') setOwn(headers, lower, v);
  }
  return {
    v: 1,
    method,
    path: withoutCredentials(req.originalUrl ?? req.url ?? '/'),
    ...(body && body.length > 0 ? { body: body.toString('base64') } : {}),
    headers,
  };
}
