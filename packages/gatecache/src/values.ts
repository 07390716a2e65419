import { ownValue } from '@gatecache/core';
import { z } from 'zod';

// `${ENV}` substitution yields strings, so every scalar schema accepts the string spelling of its value.

function toNumber(v: unknown): unknown {
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return v;
}

function toBoolean(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const s = v.trim().toLowerCase();
  if (['true', 'yes', 'on', '1'].includes(s)) return true;
  if (['false', 'no', 'off', '0'].includes(s)) return false;
  return v;
}

const UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };

/** Seconds from a number or a duration such as `90`, `30s`, `5m`, `1h`, `7d`. */
function toSeconds(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(v);
  if (!m) return v;
  return Number(m[1]) * (ownValue(UNITS, m[2] ?? 's') as number);
}

export const bool = (): z.ZodType<boolean> =>
  z.preprocess(toBoolean, z.boolean({ error: 'must be true or false' })) as unknown as z.ZodType<boolean>;

export const num = (min: number, max = Number.MAX_SAFE_INTEGER): z.ZodType<number> =>
  z.preprocess(
    toNumber,
    z
      .number({ error: 'must be a number' })
      .min(min, { error: `must be at least ${min}` })
      .max(max, { error: `must be at most ${max}` }),
  ) as unknown as z.ZodType<number>;

export const int = (min: number, max = Number.MAX_SAFE_INTEGER): z.ZodType<number> =>
  z.preprocess(
    toNumber,
    z
      .number({ error: 'must be an integer' })
      .int({ error: 'must be an integer' })
      .min(min, { error: `must be at least ${min}` })
      .max(max, { error: `must be at most ${max}` }),
  ) as unknown as z.ZodType<number>;

/** A duration in seconds (number, or `30s` / `5m` / `1h` / `1d`). */
export const seconds = (min = 0): z.ZodType<number> =>
  z.preprocess(
    (v) => toNumber(toSeconds(v)),
    z
      .number({ error: 'must be a duration in seconds (a number, or 30s, 5m, 1h, 1d)' })
      .min(min, { error: `must be at least ${min} s` }),
  ) as unknown as z.ZodType<number>;

export const text = (): z.ZodString => z.string({ error: 'must be a string' });

/** A one-of string; the message lists the choices. */
export const oneOf = <T extends readonly [string, ...string[]]>(values: T): z.ZodType<T[number]> =>
  z.enum(values as unknown as [string, ...string[]], {
    error: `must be one of ${values.join(', ')}`,
  }) as unknown as z.ZodType<T[number]>;
