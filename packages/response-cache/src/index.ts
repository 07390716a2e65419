export { responseCache } from './middleware';
export { defaultShouldCache, isDeterministic } from './policy';
export { proxyRequestBody } from './body';
export { parseControls, ControlError } from './controls';
export type { RequestControls } from './controls';
export { cacheStatus } from './headers';
export type { CacheOutcome } from './headers';
export { REVALIDATE_HEADER } from './revalidate';
export { DEFAULTS, MAX_MODEL_LENGTH } from './options';
export { shareShapes } from './shapes';
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
