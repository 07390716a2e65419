import { CREDENTIAL_HEADERS, PROVIDERS } from '@gatecache/providers';
import { FIELD_RULES } from './field-rules';
import { optionChecker } from '@gatecache/core';
import type { OptionChecker } from '@gatecache/core';
import { DEFAULT_TENANT_SECRET, resolveSecret } from './hash';
import { setOwn } from './own';
import type { FieldOverride, KeyOptions, KeyRequest, Provider, Scope } from './types';
import { BUILT_IN_VARY_HEADERS } from './vary';

export interface ResolvedKeyOptions {
  scope: Scope;
  tenantSecret: string | Buffer;
  provider: ((req: KeyRequest) => Provider) | undefined;
  fields: Record<string, FieldOverride> | undefined;
  varyHeaders: readonly string[];
  memoSize: number;
}

const KNOWN = new Set(['scope', 'tenantSecret', 'provider', 'fields', 'varyHeaders', 'memoSize']);

/** createKeyer's defaults, in one place; the option docs and the README point here. */
export const DEFAULTS = Object.freeze({
  scope: 'credential' as Scope,
  /** Used when neither the option nor `GATECACHE_TENANT_SECRET` gives a secret: set one in production. */
  tenantSecret: DEFAULT_TENANT_SECRET,
  /** Extra request headers in every key, on top of the built-in ones (`BUILT_IN_VARY_HEADERS`). */
  varyHeaders: Object.freeze([]) as readonly string[],
  memoSize: 10_000,
});

const check: OptionChecker = optionChecker('createKeyer');
const fail = (path: string, message: string): never => check.fail(path, message);

function checkProvider(value: unknown, where: string): Provider {
  if (typeof value !== 'string' || !PROVIDERS.includes(value as Provider)) {
    check.oneOf(where, value, PROVIDERS);
  }
  return value as Provider;
}

function checkNames(value: unknown, where: string): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v === '')) {
    fail(where, 'must be an array of non-empty strings');
  }
  return value as string[];
}

function checkFields(value: unknown): Record<string, FieldOverride> | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    fail('fields', 'must be an object');
  const out: Record<string, FieldOverride> = {};
  for (const [id, o] of Object.entries(value as Record<string, unknown>)) {
    const where = `fields.${id}`;
    if (id !== '*' && !Object.hasOwn(FIELD_RULES, id)) {
      fail(where, `is an unknown endpoint; use '*' or one of ${Object.keys(FIELD_RULES).join(', ')}`);
    }
    if (o === null || typeof o !== 'object' || Array.isArray(o))
      fail(where, 'must be { include?, exclude? }');
    const { include, exclude, ...rest } = o as Record<string, unknown>;
    const extra = Object.keys(rest);
    if (extra.length > 0) fail(`${where}.${extra[0]}`, 'is not an option (use include or exclude)');
    const inc = include === undefined ? [] : checkNames(include, `${where}.include`);
    const exc = exclude === undefined ? [] : checkNames(exclude, `${where}.exclude`);
    const both = inc.find((n) => exc.includes(n));
    if (both !== undefined) fail(where, `names '${both}' as both included and excluded`);
    setOwn(out, id, { include: inc, exclude: exc });
  }
  return out;
}

function checkVaryHeaders(value: unknown): string[] {
  if (value === undefined) return [...BUILT_IN_VARY_HEADERS, ...DEFAULTS.varyHeaders];
  const names = checkNames(value, 'varyHeaders').map((n) => n.toLowerCase());
  const secret = names.find((n) => CREDENTIAL_HEADERS.includes(n));
  if (secret !== undefined) {
    fail(
      'varyHeaders',
      `cannot include '${secret}': it carries a credential and never goes into a key; use scope`,
    );
  }
  return [...new Set([...BUILT_IN_VARY_HEADERS, ...names])];
}

/** Validates options once; a bad option throws a TypeError naming it. */
export function resolveKeyOptions(options: KeyOptions = {}): ResolvedKeyOptions {
  check.object('options', options);
  const unknown = Object.keys(options).find((k) => !KNOWN.has(k));
  if (unknown !== undefined) fail(unknown, 'is not an option');

  const { scope = DEFAULTS.scope, tenantSecret, provider } = options;
  if (scope !== 'global' && scope !== 'credential' && typeof scope !== 'function') {
    fail('scope', `must be 'global', 'credential' or a function (got ${JSON.stringify(scope)})`);
  }
  if (tenantSecret !== undefined) {
    const ok = (typeof tenantSecret === 'string' || Buffer.isBuffer(tenantSecret)) && tenantSecret.length > 0;
    if (!ok) fail('tenantSecret', 'must be a non-empty string or Buffer');
  }
  let providerFn: ResolvedKeyOptions['provider'];
  if (typeof provider === 'function') {
    providerFn = (req) => checkProvider(provider(req), 'provider(req)');
  } else if (provider !== undefined) {
    const fixed = checkProvider(provider, 'provider');
    providerFn = () => fixed;
  }
  return {
    scope,
    tenantSecret: resolveSecret(tenantSecret),
    provider: providerFn,
    fields: checkFields(options.fields),
    varyHeaders: checkVaryHeaders(options.varyHeaders),
    memoSize: checkMemoSize(options.memoSize),
  };
}

function checkMemoSize(value: unknown): number {
  return check.nonNegativeInt('memoSize', value, DEFAULTS.memoSize);
}
