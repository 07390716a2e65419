import type { RouteInfo } from '@gatecache/cache-key';
import type { ShouldCacheContext } from './types';

/** Endpoints whose output depends only on the input: always deterministic. */
const NON_GENERATIVE = new Set(['embeddings', 'moderations', 'models', 'embedContent']);

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Whether a request asks for a reproducible answer: `temperature: 0` or a `seed` (Gemini: in `generationConfig`).
 * A missing temperature means the provider's default (1 for OpenAI and Anthropic), which is not deterministic.
 */
export function isDeterministic(route: Pick<RouteInfo, 'endpoint'>, body: unknown): boolean {
  if (NON_GENERATIVE.has(route.endpoint)) return true;
  if (!isObject(body)) return false;
  const config = isObject(body.generationConfig) ? body.generationConfig : body;
  return config.temperature === 0 || typeof config.seed === 'number';
}

/**
 * The default policy: with `determinism: 'deterministic'` only reproducible generations are cached; requests
 * that ask for several choices (`n > 1`) are cached like any other since the whole answer is stored.
 * Export so users can wrap it: `shouldCache: (ctx) => defaultShouldCache(ctx) && ctx.route.model !== 'o3'`.
 */
export function defaultShouldCache(ctx: ShouldCacheContext): boolean {
  if (ctx.determinism === 'deterministic') return isDeterministic(ctx.route, ctx.body);
  return true;
}
