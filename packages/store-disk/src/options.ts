import { MB, optionChecker, silentLogger, systemClock } from '@gatecache/core';
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

/** Every default of diskStore's options, in one place; the option docs and the README point here. */
export const DEFAULTS = Object.freeze({
  maxSizeMb: 1024,
  name: 'disk',
  honorTtl: true,
  /** No retention cap: entries live as long as their own stale window. */
  ttl: Infinity,
  sweepIntervalMs: 60_000,
  sweepBatch: 500,
});

/** Apply defaults and reject bad values once, at creation, with a TypeError naming the option. */
export function resolveOptions(options: DiskStoreOptions): ResolvedDiskStoreOptions {
  const check = optionChecker('diskStore');
  if (options === undefined) check.fail('options', 'with a path are required');
  check.object('options', options);
  const path = check.string('path', options.path ?? '', '');
  const maxSizeMb = check.sizeMb('maxSizeMb', options.maxSizeMb, DEFAULTS.maxSizeMb);
  // setInterval overflows past 2^31-1 ms and would then fire every millisecond.
  const sweepIntervalMs = check.intInRange(
    'sweepIntervalMs',
    options.sweepIntervalMs,
    0,
    2 ** 31 - 1,
    DEFAULTS.sweepIntervalMs,
  );
  const ttl = check.positive('ttl', options.ttl, DEFAULTS.ttl);
  check.methods('clock', options.clock, ['now'], 'a Clock');
  check.methods('logger', options.logger, ['warn', 'info', 'debug'], 'a Logger');
  return {
    path,
    maxBytes: Math.floor(maxSizeMb * MB),
    name: check.string('name', options.name, DEFAULTS.name),
    honorTtl: check.boolean('honorTtl', options.honorTtl, DEFAULTS.honorTtl),
    ttlMs: ttl * 1000,
    sweepIntervalMs,
    sweepBatch: check.positiveInt('sweepBatch', options.sweepBatch, DEFAULTS.sweepBatch),
    clock: options.clock ?? systemClock,
    logger: options.logger ?? silentLogger,
  };
}
