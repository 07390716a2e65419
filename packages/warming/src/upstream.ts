import { ownValue, setOwn } from '@gatecache/core';
import * as buffer from 'node:buffer';
import * as http from 'node:http';
import * as https from 'node:https';
import { withoutCredentials } from '@gatecache/providers';
import type { Recipe } from '@gatecache/providers';

/** One provider the warmer may call with the gateway's own credential. */
export interface UpstreamTarget {
  /** OpenAI: with `/v1` (`https://api.openai.com/v1`); Anthropic: without (`https://api.anthropic.com`). */
  baseUrl: string;
  /** The gateway's credential for this provider; never a client's. */
  apiKey: string;
  /** Maps the recipe's gateway path to the upstream path. Default: the part from `/v1/` on (see README). */
  pathRewrite?: (path: string) => string;
  /** Extra headers sent on every warm (e.g. `openai-organization`). */
  headers?: Record<string, string>;
}

export interface UpstreamConfig {
  openai?: UpstreamTarget;
  anthropic?: UpstreamTarget;
}

/** An upstream answer, whole. */
export interface ReplayAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface ReplayContext {
  key: string;
  provider?: string;
}

/** Sends a recipe upstream and returns the complete answer (a custom one may call any client or mock). */
export type ReplayFunction = (recipe: Recipe, context: ReplayContext) => Promise<ReplayAnswer>;

/** Credential headers of each provider: set from the gateway's key, and dropped from anything else sent. */
const CREDENTIAL_HEADERS = [
  'authorization',
  'x-api-key',
  'api-key',
  'cookie',
  'proxy-authorization',
  'x-goog-api-key',
];

/** The path after the gateway mount: OpenAI bases end in `/v1`, Anthropic bases do not. */
export function defaultUpstreamPath(provider: string, path: string): string {
  const at = path.indexOf('/v1/');
  const fromV1 = at >= 0 ? path.slice(at) : path;
  return provider === 'openai' ? fromV1.replace(/^\/v1(?=\/)/, '') : fromV1;
}

function send(
  url: URL,
  method: string,
  headers: http.OutgoingHttpHeaders,
  body: Buffer | undefined,
  timeoutMs: number,
  maxBytes: number,
): Promise<ReplayAnswer> {
  return new Promise((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : http;
    const req = client.request(url, { method, headers, agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= maxBytes) return void chunks.push(c);
        // An answer that cannot be stored is not held either: stop reading it at the cap.
        chunks.length = 0;
        res.destroy();
        reject(new Error(`too-large: the answer passed ${maxBytes} bytes`));
      });
      res.once('error', reject);
      res.once('end', () => {
        if (!res.complete) reject(new Error('upstream answer was cut short'));
        else resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
      });
    });
    req.once('timeout', () => req.destroy(new Error('warm request timed out')));
    req.once('error', reject);
    req.end(body);
  });
}

/**
 * The default replay: the recipe goes to the configured provider with that provider's gateway credential
 * (OpenAI `Authorization: Bearer`, Anthropic `x-api-key`), identity encoding, and nothing else of the client's:
 * no credential header and no credential query parameter.
 */
export function upstreamReplay(
  config: UpstreamConfig,
  timeoutMs: number,
  maxBytes: number = buffer.kMaxLength,
): ReplayFunction {
  for (const [name, target] of Object.entries(config) as [string, UpstreamTarget | undefined][]) {
    if (!target) continue;
    if (name !== 'openai' && name !== 'anthropic')
      throw new Error(`cacheWarmer: upstream.${name} is not a known provider (openai, anthropic)`);
    if (typeof target.baseUrl !== 'string' || !/^https?:\/\//.test(target.baseUrl)) {
      throw new Error(`cacheWarmer: upstream.${name}.baseUrl must be an http(s) URL`);
    }
    if (typeof target.apiKey !== 'string' || target.apiKey.length === 0) {
      throw new Error(`cacheWarmer: upstream.${name}.apiKey must be a non-empty string`);
    }
  }
  return async (recipe, context) => {
    const provider = context.provider ?? '';
    const target = ownValue(config as Record<string, UpstreamTarget | undefined>, provider);
    if (!target) throw new Error(`no upstream configured for provider "${provider}"`);
    // Recipes keep no credential parameter (response-cache removes them; older entries may still hold one):
    // a client's `?key=` is never replayed, the gateway's own credential goes in a header below.
    const clean = withoutCredentials(recipe.path);
    const path = target.pathRewrite ? target.pathRewrite(clean) : defaultUpstreamPath(provider, clean);
    const url = new URL(target.baseUrl.replace(/\/+$/, '') + path);
    const headers: http.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries({ ...recipe.headers, ...target.headers })) {
      if (!CREDENTIAL_HEADERS.includes(name.toLowerCase())) setOwn(headers, name.toLowerCase(), value);
    }
    if (provider === 'anthropic') headers['x-api-key'] = target.apiKey;
    else headers.authorization = `Bearer ${target.apiKey}`;
    headers['accept-encoding'] = 'identity';
    const body = recipe.body !== undefined ? Buffer.from(recipe.body, 'base64') : undefined;
    if (body) headers['content-length'] = body.length;
    return send(url, recipe.method, headers, body, timeoutMs, maxBytes);
  };
}
