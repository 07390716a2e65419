import { setOwn } from '@gatecache/core';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { RedisStoreOptions } from './types';

/** The `redis:` block of config.yaml, as parsed (values may be strings after `${ENV}` substitution). */
export interface RedisConfigBlock {
  enabled?: boolean | string;
  host?: string;
  port?: number | string;
  db?: number | string;
  password?: string;
  username?: string;
  url?: string;
  /** `["host:port", ...]`, or `{ nodes: [...] }` with nodes as strings or `{ host, port }`. */
  cluster?: unknown;
  /** `{ sentinels: ["host:port" | { host, port }], name | master_name, password?, sentinel_password? }`. */
  sentinel?: unknown;
  /** `true`, or `{ ca, cert, key, servername, reject_unauthorized }` (PEM strings). */
  tls?: unknown;
  key_prefix?: string;
  command_timeout_ms?: number | string;
}

type Address = { host: string; port: number };

function fail(path: string, message: string): never {
  throw new Error(`redis config: ${path} ${message}`);
}

function integer(path: string, value: unknown, min: number, max: number): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    fail(path, `must be an integer from ${min} to ${max} (got ${JSON.stringify(value)})`);
  }
  return n;
}

function bool(path: string, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0' || value === '') return false;
  return fail(path, `must be true or false (got ${JSON.stringify(value)})`);
}

function address(path: string, value: unknown): Address {
  if (typeof value === 'string') {
    const at = value.lastIndexOf(':');
    if (at <= 0) fail(path, `must be "host:port" (got "${value}")`);
    return { host: value.slice(0, at), port: integer(path, value.slice(at + 1), 1, 65535) };
  }
  if (typeof value === 'object' && value !== null && typeof (value as Address).host === 'string') {
    return {
      host: (value as Address).host,
      port: integer(`${path}.port`, (value as Address).port, 1, 65535),
    };
  }
  return fail(path, 'must be "host:port" or { host, port }');
}

function addresses(path: string, value: unknown): Address[] {
  if (!Array.isArray(value) || value.length === 0) fail(path, 'must be a non-empty list of nodes');
  return value.map((v, i) => address(`${path}[${i}]`, v));
}

function tlsOf(value: unknown): boolean | TlsOptions {
  if (typeof value === 'boolean' || typeof value === 'string') return bool('redis.tls', value);
  if (typeof value !== 'object' || value === null)
    return fail('redis.tls', 'must be true, false or an object');
  const known = ['ca', 'cert', 'key', 'servername', 'reject_unauthorized'];
  const out: TlsOptions = {};
  for (const [k, v] of Object.entries(value)) {
    if (!known.includes(k)) fail(`redis.tls.${k}`, `is not a known option (${known.join(', ')})`);
    if (k === 'reject_unauthorized') out.rejectUnauthorized = bool(`redis.tls.${k}`, v);
    else if (typeof v !== 'string') fail(`redis.tls.${k}`, 'must be a string');
    else setOwn(out as Record<string, string>, k, v);
  }
  return out;
}

const KNOWN = [
  'enabled',
  'host',
  'port',
  'db',
  'password',
  'username',
  'url',
  'cluster',
  'sentinel',
  'tls',
  'key_prefix',
  'command_timeout_ms',
];

/**
 * Map the `redis:` block of config.yaml onto connection options (undefined when absent or disabled); an empty
 * `password`, as `${REDIS_PASSWORD:-}` yields, means none.
 */
export function redisOptionsFromConfig(
  block: RedisConfigBlock | undefined | null,
): RedisStoreOptions | undefined {
  if (block === undefined || block === null) return undefined;
  if (typeof block !== 'object' || Array.isArray(block)) fail('redis', 'must be a mapping');
  for (const key of Object.keys(block))
    if (!KNOWN.includes(key)) fail(`redis.${key}`, 'is not a known option');
  if (block.enabled !== undefined && !bool('redis.enabled', block.enabled)) return undefined;
  const out: RedisStoreOptions = {};
  const sources = (['url', 'cluster', 'sentinel'] as const).filter(
    (k) => block[k] !== undefined && block[k] !== '',
  );
  if (sources.length > 1)
    fail('redis', `may set only one of url, cluster, sentinel (got ${sources.join(', ')})`);
  if (block.url) {
    if (!/^rediss?:\/\//.test(block.url))
      fail('redis.url', `must start with redis:// or rediss:// (got "${block.url}")`);
    out.url = block.url;
  }
  if (block.cluster !== undefined) {
    const c = block.cluster as { nodes?: unknown };
    out.cluster = {
      nodes: addresses('redis.cluster' + (Array.isArray(c) ? '' : '.nodes'), Array.isArray(c) ? c : c?.nodes),
    };
  }
  if (block.sentinel !== undefined) {
    const s = block.sentinel as Record<string, unknown>;
    if (typeof s !== 'object' || s === null) fail('redis.sentinel', 'must be a mapping');
    const name = s.name ?? s.master_name;
    if (typeof name !== 'string' || !name) fail('redis.sentinel.name', 'must name the monitored primary');
    out.sentinel = { sentinels: addresses('redis.sentinel.sentinels', s.sentinels), name };
    if (typeof s.sentinel_password === 'string' && s.sentinel_password)
      out.sentinel.sentinelPassword = s.sentinel_password;
  }
  if (block.host) out.host = block.host;
  if (block.port !== undefined && block.port !== '') out.port = integer('redis.port', block.port, 1, 65535);
  if (block.db !== undefined && block.db !== '') out.db = integer('redis.db', block.db, 0, 1_000_000);
  if (block.password) out.password = block.password;
  if (block.username) out.username = block.username;
  if (block.tls !== undefined) {
    const tls = tlsOf(block.tls);
    if (tls !== false) out.tls = tls;
  }
  if (block.key_prefix !== undefined) out.keyPrefix = block.key_prefix;
  if (block.command_timeout_ms !== undefined) {
    out.commandTimeoutMs = integer('redis.command_timeout_ms', block.command_timeout_ms, 1, 600_000);
  }
  return out;
}
