import { MB, silentLogger, systemClock } from '@gatecache/core';
import type { Clock, Logger } from '@gatecache/core';
import type { DiskStoreOptions } from './types';

export interface ResolvedDiskStoreOptions {
  path: string;
  maxBytes: number;
  name: string;
  honorTtl: boolean;
  ttlMs: number;
  sweepIntervalMs: number;
  sweepBatch: number;
  clock: Clock;
  logger: Logger;
}

/** Apply defaults and reject bad values once, at creation, naming the option. */
export function resolveOptions(options: DiskStoreOptions): ResolvedDiskStoreOptions {
  if (!options || typeof options !== 'object') throw new Error('diskStore: options with a path are required');
  const {
    path,
    maxSizeMb = 1024,
    name = 'disk',
    honorTtl = true,
    ttl,
    sweepIntervalMs = 60_000,
    sweepBatch = 500,
    clock = systemClock,
    logger = silentLogger,
  } = options;
  if (typeof path !== 'string' || path.length === 0)
    throw new Error('diskStore: path must be a non-empty string');
  if (!(typeof maxSizeMb === 'number' && Number.isFinite(maxSizeMb) && maxSizeMb > 0)) {
    throw new Error(`diskStore: maxSizeMb must be a positive number (got ${String(maxSizeMb)})`);
  }
  if (typeof name !== 'string' || name.length === 0)
    throw new Error('diskStore: name must be a non-empty string');
  if (!(Number.isInteger(sweepIntervalMs) && sweepIntervalMs >= 0 && sweepIntervalMs <= 2 ** 31 - 1)) {
    // setInterval overflows past 2^31-1 ms and would then fire every millisecond.
    throw new Error(
      `diskStore: sweepIntervalMs must be an integer from 0 to 2147483647 (got ${String(sweepIntervalMs)})`,
    );
  }
  if (!(Number.isInteger(sweepBatch) && sweepBatch > 0)) {
    throw new Error(`diskStore: sweepBatch must be a positive integer (got ${String(sweepBatch)})`);
  }
  if (ttl !== undefined && !(typeof ttl === 'number' && Number.isFinite(ttl) && ttl > 0)) {
    throw new Error(`diskStore: ttl must be a positive number of seconds (got ${String(ttl)})`);
  }
  if (typeof clock?.now !== 'function') throw new Error('diskStore: clock must have a now() method');
  return {
    path,
    maxBytes: Math.floor(maxSizeMb * MB),
    name,
    honorTtl: honorTtl !== false,
    ttlMs: ttl === undefined ? Infinity : ttl * 1000,
    sweepIntervalMs,
    sweepBatch,
    clock,
    logger,
  };
}
