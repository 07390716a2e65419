export { createCache } from './cache';
export type {
  Cache,
  CacheEvents,
  CacheOptions,
  GetOptions,
  LookupOutcome,
  NamespaceOptions,
  PurgeResult,
  ResolvedNamespace,
  SetOptions,
} from './cache';
export {
  CorruptEntryError,
  compress,
  computeIntegrity,
  createKeyring,
  decodeRecord,
  decompress,
  encodeRecord,
  keyringFromEnv,
  parseRecord,
  serializeRecord,
  verifyIntegrity,
  zstdAvailable,
} from './codec';
export type { CodecOptions, CompressionOptions, Keyring, RecordFields, RecordTiming } from './codec';
export { checkGlob, globMatcher } from './glob';
export { memoryStore, recordBytes } from './memory-store';
export type { MemoryStoreOptions } from './memory-store';
export { createSingleFlight } from './single-flight';
export type { SingleFlight } from './single-flight';
export type { CacheStats, NamespaceStats, TierCacheStats } from './stats';
export { TierGuard } from './tier-guard';
export type { Guarded, TierGuardOptions, TierState } from './tier-guard';
export { guardLock, isGuardedLock } from './guarded-lock';
export type { GuardLockOptions, GuardedLock, LockStats } from './guarded-lock';
export { MB, isPromise, seededRandom, silentLogger, systemClock } from './util';
export type * from './types';
