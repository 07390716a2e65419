import { CREDENTIAL_QUERY_PARAMS, type RouteMatch } from '@gatecache/providers';
import { ownValue, setOwn } from './own';
import { headerValue } from './secrets';
import type { KeyRequest } from './types';

/** Headers that change what a provider answers, always in the hash when present. */
export const BUILT_IN_VARY_HEADERS: readonly string[] = [
  'anthropic-version',
  'anthropic-beta',
  'openai-beta',
];

// Comma-separated feature lists: order, spacing and repeats do not change what the provider enables.
const LIST_HEADERS = new Set(['anthropic-beta', 'openai-beta']);

function normalizeHeader(name: string, value: string): string {
  if (!LIST_HEADERS.has(name)) return value.trim();
  return [...new Set(value.split(',').map((v) => v.trim()))]
    .filter((v) => v !== '')
    .sort()
    .join(',');
}

/**
 * Gemini's `alt=sse` or `alt=json` on generateContent picks the wire format of one answer, which the response
 * cache converts: out of the key, so both modes share an entry. Any other `alt` (proto) stays in.
 */
function formatOnly(match: RouteMatch): boolean {
  const { provider, endpoint } = match.route;
  if (provider !== 'gemini' || endpoint !== 'generateContent') return false;
  const values = match.query.getAll('alt');
  return values.length === 1 && (values[0] === 'sse' || values[0] === 'json');
}

/**
 * The non-body inputs of a key: the mount prefix (or the whole path for unknown endpoints), the vary headers,
 * and every query parameter except credentials and Gemini's format-only `alt` (Azure's api-version, and anything new).
 */
export function collectVary(
  req: KeyRequest,
  match: RouteMatch,
  headers: readonly string[],
): Record<string, string> {
  const vary: Record<string, string> = {};
  if (match.route.endpoint === 'unknown') vary.path = match.path;
  else vary.prefix = match.prefix;
  for (const name of headers) {
    const value = headerValue(ownValue(req.headers, name));
    if (value !== undefined && value.trim() !== '')
      setOwn(vary, `header:${name}`, normalizeHeader(name, value));
  }
  const names = [...new Set(match.query.keys())].filter(
    (n) => !CREDENTIAL_QUERY_PARAMS.includes(n.toLowerCase()) && !(n === 'alt' && formatOnly(match)),
  );
  for (const name of names) setOwn(vary, `query:${name}`, match.query.getAll(name).join(','));
  return vary;
}
