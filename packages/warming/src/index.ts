export { DEFAULTS } from './defaults';
export { accessTracker } from './tracker';
export type { AccessTracker, AccessTrackerOptions, KeyPattern, TrackerStats } from './tracker';
export { redisPopularityStore } from './shared-popularity';
export type {
  BucketCounts,
  PopularityClient,
  PopularityPipeline,
  PopularityStore,
  RedisPopularityOptions,
} from './shared-popularity';
export type { SharedPopularityOptions, SharedStats } from './shared-counts';
export { cacheWarmer, WarmerBusyError } from './warmer';
export type { CacheWarmer, JobStatus, WarmRequest, WarmerStats, WarmerStatus } from './warmer';
export type { CacheWarmerOptions } from './options';
export type { WarmBudget, BudgetLeft } from './budget';
export { upstreamReplay, defaultUpstreamPath } from './upstream';
export type { ReplayAnswer, ReplayContext, ReplayFunction, UpstreamConfig, UpstreamTarget } from './upstream';
export { MAX_WARM_PATTERNS, warmingOffRoutes, warmingRoutes } from './router';
export type { WarmingOffRoutesOptions, WarmingRoutesOptions } from './router';
export { parseKey } from './key-info';
export type { KeyInfo } from './key-info';
export { forecastRequests } from './forecast';
export { tuningAdvisor } from './advisor';
export type { Advice, CurvePoint, NamespaceAdvice, TuningAdvisor, TuningAdvisorOptions } from './advisor';
export { shardsSampler } from './shards';
export type { MissRatioCurve, ShardsOptions, ShardsSampler } from './shards';
