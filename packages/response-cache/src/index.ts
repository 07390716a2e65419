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
export { DEFAULTS, MAX_MODEL_LENGTH } from './options';
export { shareShapes } from './shapes';
export { buildRecipe, isSecretHeader, RECIPE_HEADERS, DEFAULT_RECIPE_MAX_BYTES } from './recipe';
export type { Recipe } from './recipe';
export { buildEntry } from './entry';
export type { BuildArgs, StoreVerdict } from './entry';
export type { CapturedHead } from './capture';
export { canConvert, jsonToSse, parseSse, sseToJson, streamOutcome, usageOf, createSseParser } from './sse';
export type { SseEvent, SseRoute, StreamOutcome, TokenUsage } from './sse';
export type {
  AccountingOptions,
  CacheRequest,
  HeaderOptions,
  LimitOptions,
  LockOptions,
  Determinism,
  ModelPrice,
  RecipeOptions,
  ResponseCacheMiddleware,
  ResponseCacheOptions,
  ResponseCacheStats,
  SavedEvent,
  SavedTotals,
  ShouldCacheContext,
  TimeoutOptions,
  VariantOptions,
} from './types';
