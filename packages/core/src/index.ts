export { AUTH_ENV, PRINCIPAL, createAuth, tokenId } from './auth';
export type {
  AuthMiddleware,
  AuthOptions,
  AuthRequest,
  AuthResponse,
  Principal,
  RequireScope,
  RouteAuth,
  AuthScope,
} from './auth';
export { createCache } from './cache';
export { DEFAULTS } from './defaults';
export { optionChecker } from './options';
export type { OptionChecker } from './options';
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
  COMPRESSION_LEVELS,
  CorruptEntryError,
  DEFAULT_COMPRESSION,
  UnreadableEntryError,
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
export { GLOB_LIMITS, checkGlob, globMatcher, safeStoreGlob } from './glob';
export { memoryStore, recordBytes } from './memory-store';
export type { MemoryStoreOptions } from './memory-store';
export { createSingleFlight } from './single-flight';
export type { SingleFlight } from './single-flight';
export type { CacheStats, NamespaceStats, TierCacheStats } from './stats';
export { TierGuard } from './tier-guard';
export { DEFAULT_LABEL_LIMITS, MAX_LABEL_LENGTH, OTHER_LABEL, labelCap, resolveLabelLimits } from './labels';
export type { LabelCap, LabelLimits } from './labels';
export { dictOf, hasOwnKey, ownValue, setOwn } from './own';
export type { Guarded, TierGuardOptions, TierState } from './tier-guard';
export { guardLock, isGuardedLock } from './guarded-lock';
export type { GuardLockOptions, GuardedLock, LockStats } from './guarded-lock';
export { MB, isPromise, seededRandom, silentLogger, systemClock } from './util';
export type * from './types';
