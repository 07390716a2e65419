import { setOwn } from '@gatecache/core';

const SECRET_KEY = /password|token|secret|key$/i;
export const REDACTED = '[redacted]';

/** A URL's userinfo removed (`redis://:pw@host` -> `redis://host`); other strings as they are. */
function stripUrlCredentials(value: string): string {
  if (!value.includes('://') || !value.includes('@')) return value;
  try {
    const url = new URL(value);
    if (!url.username && !url.password) return value;
    url.username = '';
    url.password = '';
    return url.toString();
  } catch {
    // Not parseable as a URL but shaped like one: drop whatever sits between the scheme and '@'.
    return value.replace(/(\w+:\/\/)[^/@\s]*@/g, '$1');
  }
}

/**
 * A deep copy of a configuration with secrets hidden: values of keys matching /password|token|secret|key$/i
 * become "[redacted]" and URLs lose their credentials. Cycles and functions are left out.
 */
export function redactConfig(value: unknown, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value === 'string') return stripUrlCredentials(value);
  if (typeof value === 'function' || typeof value === 'symbol') return undefined;
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return value;
  if (Buffer.isBuffer(value)) return REDACTED;
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => redactConfig(v, seen));
  if (value instanceof Date) return value.toISOString();
  if (value instanceof RegExp) return value.toString();
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (SECRET_KEY.test(k) && v !== undefined && v !== null && v !== '' && typeof v !== 'boolean') {
      setOwn(out, k, REDACTED);
      continue;
    }
    const r = redactConfig(v, seen);
    if (r !== undefined) setOwn(out, k, r);
  }
  return out;
}
