import { createHmac, hash } from 'node:crypto';
import { configure } from 'safe-stable-stringify';

/** Goes into every hash input, so a new key format never collides with entries written by an old one. */
export const KEY_FORMAT_VERSION = 1;

/**
 * Used when neither `tenantSecret` nor GATECACHE_TENANT_SECRET is set. It is public, so with it a tenant hash
 * only hides credentials from casual view: set a secret in production.
 */
export const DEFAULT_TENANT_SECRET = 'gatecache/tenant-secret/v1 (set GATECACHE_TENANT_SECRET in production)';

/** Length, in hex chars, of a tenant hash: 64 bits, short enough to read in a key. */
export const TENANT_HASH_LENGTH = 16;

export function sha256Hex(data: string | Buffer): string {
  // One-shot (Node >= 20.12): a third of createHash's cost on a short input.
  return hash('sha256', data, 'hex');
}

export function hmacHex(secret: string | Buffer, data: string): string {
  return createHmac('sha256', secret).update(data).digest('hex');
}

// For JSON data this is RFC 8785: keys sorted by UTF-16 code units at every depth, ECMAScript number spelling
// (what JSON.stringify writes), no whitespace. Strict: anything JSON cannot hold (NaN, functions, bigints,
// cycles) throws rather than being written some way of its own.
const canonicalize = configure({ strict: true, deterministic: true, bigint: false, circularValue: Error });

/** RFC 8785 canonical JSON: sorted keys, ECMAScript number spelling, no whitespace. */
export function canonicalJson(value: unknown): string {
  try {
    return canonicalize(value) as string;
  } catch (err) {
    throw new TypeError(`cache-key: value is not JSON data (${(err as Error).message})`);
  }
}

export function resolveSecret(secret: string | Buffer | undefined): string | Buffer {
  return secret ?? process.env.GATECACHE_TENANT_SECRET ?? DEFAULT_TENANT_SECRET;
}

/**
 * The tenant field of a key: HMAC-SHA256 of the scope value (for the default scope, the bare credential:
 * the API key without 'Bearer '), truncated to 16 hex chars. Default secret: GATECACHE_TENANT_SECRET, else
 * the built-in constant.
 */
export function tenantHash(scopeValue: string, secret?: string | Buffer): string {
  return hmacHex(resolveSecret(secret), scopeValue).slice(0, TENANT_HASH_LENGTH);
}
