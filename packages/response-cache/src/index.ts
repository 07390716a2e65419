export { responseCache } from './middleware';
export { defaultShouldCache } from './policy';
export { proxyRequestBody } from './body';
export { DEFAULTS } from './options';
export { shareShapes } from './shapes';
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
