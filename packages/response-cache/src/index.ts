export { responseCache } from './middleware';
export { defaultShouldCache, isDeterministic } from './policy';
export { proxyRequestBody, readRequestBody } from './body';
export type { BodyResult } from './body';
export { parseControls, ControlError } from './controls';
export type { RequestControls } from './controls';
export { STORED_HEADERS, cacheStatus } from './headers';
export type { CacheOutcome } from './headers';
export { REVALIDATE_HEADER } from './revalidate';
export { priceOf, costOf } from './accounting';
export { DEFAULT_MAX_BODY_BYTES, DEFAULTS, MAX_MODEL_LENGTH } from './options';
export { shareShapes } from './shapes';
export { buildRecipe, isSecretHeader, RECIPE_HEADERS, DEFAULT_RECIPE_MAX_BYTES } from './recipe';
export type { Recipe } from './recipe';
export { buildEntry } from './entry';
export type { BuildArgs, StoreVerdict } from './entry';
export type { CapturedHead } from './capture';
export type {
  CacheRequest,
  Determinism,
  ModelPrice,
  ResponseCacheMiddleware,
  ResponseCacheOptions,
  ResponseCacheStats,
  SavedEvent,
  SavedTotals,
  ShouldCacheContext,
} from './types';
