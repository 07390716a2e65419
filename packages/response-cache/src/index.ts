export { responseCache } from './middleware';
export { defaultShouldCache } from './policy';
export { proxyRequestBody } from './body';
export { DEFAULTS } from './options';
export { shareShapes } from './shapes';
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
