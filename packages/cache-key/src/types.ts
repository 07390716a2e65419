import type { Provider, RouteInfo, RouteRequest } from '@gatecache/providers';

// Route types are the providers package's; they are part of this package's options and results too.
export type { Provider, RouteInfo };

/** The parts of an incoming request that a key is built from. */
export interface KeyRequest extends RouteRequest {
  /** The exact body bytes. When given, the key of a byte-identical repeat is remembered (see `memoSize`). */
  rawBody?: Buffer | string;
}

/** Who may share an entry: everyone, callers with the same credential, or a custom scope string. */
export type Scope = 'global' | 'credential' | ((req: KeyRequest) => string);

/** Field-list override for one `${provider}:${endpoint}` (or '*' for all of them). */
export interface FieldOverride {
  /** Body fields forced into the key (taken off the exclude list). */
  include?: string[];
  /** Body fields left out of the key. */
  exclude?: string[];
}

export interface KeyOptions {
  /**
   * Keys remembered by a hash of the exact request bytes (for requests that carry `rawBody`), so repeats skip
   * canonicalization. Not used when `scope` or `provider` is a function. 0 disables. Defaults: `DEFAULTS`.
   */
  memoSize?: number;
  /**
   * By default (`DEFAULTS.scope`, 'credential'): a keyed hash (HMAC-SHA256, 16 hex chars) of the credential (authorization / x-api-key /
   * api-key / x-goog-api-key header, or ?key= for Gemini); no credential -> 'anon'. 'global' -> tenant 'global'.
   * A function returns the scope string, which is hashed too.
   */
  scope?: Scope;
  /** HMAC key for tenant hashes. Default `process.env.GATECACHE_TENANT_SECRET`, else a built-in constant (set it in production). */
  tenantSecret?: string | Buffer;
  /** Force the provider for a mount (when the path is ambiguous). Default: detected from path and headers. */
  provider?: Provider | ((req: KeyRequest) => Provider);
  /** Per `${provider}:${endpoint}` (or '*') overrides of the documented field lists. Default: none. */
  fields?: Record<string, FieldOverride>;
  /**
   * Headers whose values shape the output and so go into the hash, beyond the built-in ones
   * (anthropic-version, anthropic-beta, openai-beta). Credential headers are refused. Default: [].
   */
  varyHeaders?: string[];
}

export interface KeyResult {
  /** 'response:{provider}:{endpoint}:{model}:{tenant}:{params_hash}'; for GET models: 'models:{provider}:{base_url_hash}'. */
  key: string;
  /** 'response' or 'models'. */
  namespace: string;
  route: RouteInfo;
  tenant: string;
  paramsHash: string;
}

export interface Explanation extends KeyResult {
  version: number;
  /** Included body fields and their values (canonical), secrets sealed. */
  fields: Record<string, unknown>;
  /** Body fields present in the request but left out of the key. */
  excluded: string[];
  /** Path, header and query values that went into the hash (credentials never; only the tenant hash). */
  vary: Record<string, string>;
  /** What was hashed: the canonical JSON string of {v, method, provider, endpoint, model, fields, vary} (plus tenant for models keys). */
  canonical: string;
}

export interface KeyCallOptions {
  /**
   * Put the key in the memo for this request's bytes. Default true. A caller that sees many one-off requests
   * passes false and calls `remember()` only for requests worth it (the response cache: those the cache
   * answered): each memo entry lives until evicted, a cost to the garbage collector, and one-off requests
   * would push out the keys of repeated ones.
   */
  remember?: boolean;
}

export interface Keyer {
  key(req: KeyRequest, options?: KeyCallOptions): KeyResult;
  /**
   * The key of a byte-identical repeat (same method, URL, keyed headers and `rawBody`) if the memo holds it,
   * without reading `body`: a caller can skip parsing the body when this answers. Undefined otherwise.
   */
  remembered?(req: KeyRequest): KeyResult | undefined;
  /** Puts `result`, the key `key(req)` gave, in the memo for this request's bytes (only with a parsed `body`). */
  remember?(req: KeyRequest, result: KeyResult): void;
  explain(req: KeyRequest): Explanation;
  route(req: KeyRequest): RouteInfo;
}
