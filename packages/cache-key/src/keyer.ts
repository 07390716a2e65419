import {
  createRouteMemo,
  matchRoute,
  namesAccountObject,
  storesAnswer,
  type RouteMatch,
  type RouteMemo,
} from '@gatecache/providers';
import { escapeKeyPart } from './escape';
import { createKeyMemo } from './memo';
import { resolvedRules, selectFields, type FieldRule } from './field-rules';
import { canonicalJson, hmacHex, KEY_FORMAT_VERSION, sha256Hex, TENANT_HASH_LENGTH } from './hash';
import { resolveKeyOptions, type ResolvedKeyOptions } from './options';
import { credentialOf, sealSecrets } from './secrets';
import type {
  Explanation,
  KeyCallOptions,
  KeyOptions,
  KeyRequest,
  Keyer,
  KeyResult,
  RouteInfo,
} from './types';
import { collectVary } from './vary';

interface Computed extends KeyResult {
  fields: Record<string, unknown>;
  excluded: string[];
  vary: Record<string, string>;
  canonical: string;
}

/**
 * Remembers tenant hashes by scope value: an HMAC costs about 6 us, and a gateway sees few credentials many
 * times. Bounded, first in first out. It holds the scope values (credentials) in memory, as in-flight requests do.
 */
function createTenantMemo(size = 1000): (o: ResolvedKeyOptions, value: string) => string {
  const map = new Map<string, string>();
  return (o, value) => {
    let tenant = map.get(value);
    if (tenant === undefined) {
      tenant = hmacHex(o.tenantSecret, value).slice(0, TENANT_HASH_LENGTH);
      if (map.size >= size) map.delete(map.keys().next().value as string);
      map.set(value, tenant);
    }
    return tenant;
  };
}

type TenantMemo = ReturnType<typeof createTenantMemo>;

function tenantOf(req: KeyRequest, match: RouteMatch, o: ResolvedKeyOptions, tenants: TenantMemo): string {
  // An object one account owns (previous_response_id, a stored prompt, Gemini cachedContent) is immutable, so
  // its answers are cacheable, but only for that account; and a stored Responses answer carries an id only the
  // asking account can reuse. Under global scope such requests key by credential.
  if (o.scope === 'global' && !namesAccountObject(req.body) && !storesAnswer(match.route, req.body)) {
    return 'global';
  }
  let value: string | undefined;
  if (o.scope === 'credential' || o.scope === 'global') {
    value = credentialOf(req, match.query, match.route.provider);
  } else {
    const scoped: unknown = o.scope(req);
    if (typeof scoped !== 'string') throw new TypeError('cache-key: options.scope(req) must return a string');
    value = scoped === '' ? undefined : scoped;
  }
  return value === undefined ? 'anon' : tenants(o, value);
}

function isModelList(req: KeyRequest, route: RouteInfo): boolean {
  return route.endpoint === 'models' && req.method.toUpperCase() === 'GET';
}

interface Memos {
  routes: RouteMemo;
  tenants: TenantMemo;
  rules: (id: string) => FieldRule;
}

function compute(req: KeyRequest, o: ResolvedKeyOptions, memos: Memos): Computed {
  const match = matchRoute(req, o.provider?.(req), memos.routes);
  const { route } = match;
  const tenant = tenantOf(req, match, o, memos.tenants);
  const rule = memos.rules(`${route.provider}:${route.endpoint}`);
  const selection = selectFields(req.body, rule);
  const fields = sealSecrets(selection.fields, o.tenantSecret) as Record<string, unknown>;
  const vary = collectVary(req, match, o.varyHeaders);
  const method = req.method.toUpperCase();
  const { provider, endpoint, model } = route;
  const p = escapeKeyPart(provider);

  if (isModelList(req, route)) {
    // A model list depends on who asks (keys see different fine-tunes), so the tenant is hashed in.
    const canonical = canonicalJson({
      v: KEY_FORMAT_VERSION,
      method,
      provider,
      endpoint,
      model,
      fields,
      vary,
      tenant,
    });
    const paramsHash = sha256Hex(canonical);
    return {
      key: `models:${p}:${paramsHash}`,
      namespace: 'models',
      route,
      tenant,
      paramsHash,
      ...selection,
      fields,
      vary,
      canonical,
    };
  }
  const canonical = canonicalJson({ v: KEY_FORMAT_VERSION, method, provider, endpoint, model, fields, vary });
  const paramsHash = sha256Hex(canonical);
  const key = ['response', p, escapeKeyPart(endpoint), escapeKeyPart(model), tenant, paramsHash].join(':');
  return {
    key,
    namespace: 'response',
    route,
    tenant,
    paramsHash,
    excluded: selection.excluded,
    fields,
    vary,
    canonical,
  };
}

/** Builds keys with options validated and resolved once. */
export function createKeyer(options?: KeyOptions): Keyer {
  const o = resolveKeyOptions(options);
  // A scope or provider function may read anything in the request: bytes alone cannot stand for it.
  const memoizable = typeof options?.scope !== 'function' && typeof options?.provider !== 'function';
  const memo = memoizable ? createKeyMemo(o.memoSize, o.varyHeaders) : undefined;
  const memos: Memos = {
    routes: createRouteMemo(),
    tenants: createTenantMemo(),
    rules: resolvedRules(o.fields),
  };
  const remember = (req: KeyRequest, result: KeyResult): void => {
    // Only a parsed body vouches for its bytes: a caller skips the parse when remembered() answers.
    if (req.body !== undefined) memo?.set(req, result);
  };
  return {
    key(req: KeyRequest, options?: KeyCallOptions): KeyResult {
      const remembered = memo?.get(req);
      if (remembered) return remembered;
      const { key, namespace, route, tenant, paramsHash } = compute(req, o, memos);
      const result = { key, namespace, route, tenant, paramsHash };
      if (options?.remember !== false) remember(req, result);
      return result;
    },
    remembered(req: KeyRequest): KeyResult | undefined {
      return memo?.get(req);
    },
    remember,
    explain(req: KeyRequest): Explanation {
      const c = compute(req, o, memos);
      return {
        key: c.key,
        namespace: c.namespace,
        route: c.route,
        tenant: c.tenant,
        paramsHash: c.paramsHash,
        version: KEY_FORMAT_VERSION,
        fields: JSON.parse(canonicalJson(c.fields)) as Record<string, unknown>,
        excluded: c.excluded,
        vary: c.vary,
        canonical: c.canonical,
      };
    },
    route(req: KeyRequest): RouteInfo {
      return matchRoute(req, o.provider?.(req), memos.routes).route;
    },
  };
}

/** The default key policy, exported so callers can wrap it. Prefer createKeyer() on a hot path. */
export function defaultKey(req: KeyRequest, options?: KeyOptions): KeyResult {
  return createKeyer(options).key(req);
}

/** Whether a value is a ready keyer (from createKeyer) rather than key options. */
export function isKeyer(value: unknown): value is Keyer {
  return (
    typeof (value as Keyer | undefined)?.key === 'function' && typeof (value as Keyer).route === 'function'
  );
}
