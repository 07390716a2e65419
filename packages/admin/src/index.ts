export { DEFAULTS } from './defaults';
export { cacheAdmin } from './router';
export type { CacheAdminRouter } from './router';
export type {
  CacheAdminOptions,
  InvalidationBus,
  InvalidationMessage,
  ScheduledPurge,
  ValidationOptions,
  WriteRule,
} from './types';
export { createEventLog } from './event-log';
export type { EventLog, LogEntry, LogLevel } from './event-log';
export { invalidateOnWrite } from './write-rules';
export type { InvalidateOnWriteOptions } from './write-rules';
export { tierPolicyFromConfig } from './tier-policy';
export type { InvalidationSwitches, TierPolicy, TierSwitchOptions } from './tier-policy';
// The umbrella stores and shows its configuration redacted by the same rule as GET /api/config/cache.
export { redactConfig } from './redact';
