/**
 * One way to check a factory's options, shared by every gatecache package: each check takes the option's
 * path and value (and a default for when it is absent), and a bad value throws a TypeError that names the
 * factory and the option's full path, e.g. `cacheWarmer: budget.maxRequests must be a positive integer`.
 */

type Check<T> = {
  (path: string, value: unknown): T | undefined;
  (path: string, value: unknown, fallback: T): T;
};

export interface OptionChecker {
  /** The factory's name and the group prefix (with its trailing dot) this checker puts before each path. */
  readonly prefix: string;
  /** A checker for a group of options: its paths read `group.path` (groups nest). */
  group(name: string): OptionChecker;
  /** Throw the TypeError for `path`: `<factory>: <group.path> <message>`. */
  fail(path: string, message: string): never;
  /** An integer >= 1. */
  positiveInt: Check<number>;
  /** An integer >= 0. */
  nonNegativeInt: Check<number>;
  /** A finite number > 0. */
  positive: Check<number>;
  /** A finite number >= 0 (seconds, ratios, byte counts that may be 0). */
  nonNegative: Check<number>;
  /** A size in megabytes: a finite number > 0. */
  sizeMb: Check<number>;
  boolean: Check<boolean>;
  /** A non-empty string. */
  string: Check<string>;
  /** A function (the check cannot see its signature; the option's type documents it). */
  fn: <F>(path: string, value: F | undefined, fallback?: F) => F | undefined;
  /** One of `allowed`. */
  oneOf<T extends string | number | boolean>(
    path: string,
    value: unknown,
    allowed: readonly T[],
  ): T | undefined;
  oneOf<T extends string | number | boolean>(
    path: string,
    value: unknown,
    allowed: readonly T[],
    fallback: T,
  ): T;
  /** An integer in [min, max]. */
  intInRange(path: string, value: unknown, min: number, max: number): number | undefined;
  intInRange(path: string, value: unknown, min: number, max: number, fallback: number): number;
  /** An object with these methods (a clock, a logger, a cache): `what` names it in the message. */
  methods<T extends object>(
    path: string,
    value: T | undefined,
    names: readonly string[],
    what: string,
  ): T | undefined;
  /** A plain object (an options group); absent is `{}`. */
  object<T extends object>(path: string, value: T | undefined): T;
}

/** How a bad value is shown in a message: short, never a whole object or a long string. */
function shown(value: unknown): string {
  if (typeof value === 'string')
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  if (value !== null && typeof value === 'object') return 'an object';
  return String(value);
}

/** The option checker for one factory (`optionChecker('cacheWarmer')`). */
export function optionChecker(factory: string, prefix = ''): OptionChecker {
  const fail = (path: string, message: string): never => {
    // An empty path names the group itself (`tierGuard`), not `tierGuard.`.
    const full = path === '' ? prefix.replace(/\.$/, '') || 'options' : prefix + path;
    throw new TypeError(`${factory}: ${full} ${message}`);
  };
  const check = <T>(ok: (v: unknown) => boolean, what: string): Check<T> =>
    ((path: string, value: unknown, fallback?: T) => {
      if (value === undefined) return fallback;
      if (!ok(value)) fail(path, `must be ${what} (got ${shown(value)})`);
      return value as T;
    }) as Check<T>;
  const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  const oneOf = (path: string, value: unknown, allowed: readonly unknown[], fallback?: unknown): unknown => {
    if (value === undefined) return fallback;
    if (!allowed.includes(value)) {
      fail(path, `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')} (got ${shown(value)})`);
    }
    return value;
  };
  const intInRange = (path: string, value: unknown, min: number, max: number, fallback?: number): unknown => {
    if (value === undefined) return fallback;
    if (!(Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max)) {
      fail(path, `must be an integer between ${min} and ${max} (got ${shown(value)})`);
    }
    return value;
  };
  return {
    prefix: `${factory}: ${prefix}`,
    group: (name) => optionChecker(factory, `${prefix}${name}.`),
    fail,
    positiveInt: check((v) => Number.isSafeInteger(v) && (v as number) >= 1, 'a positive integer'),
    nonNegativeInt: check((v) => Number.isSafeInteger(v) && (v as number) >= 0, 'an integer >= 0'),
    positive: check((v) => finite(v) && v > 0, 'a positive number'),
    nonNegative: check((v) => finite(v) && v >= 0, 'a finite number >= 0'),
    sizeMb: check((v) => finite(v) && v > 0, 'a size in MB > 0'),
    boolean: check((v) => typeof v === 'boolean', 'a boolean'),
    string: check((v) => typeof v === 'string' && v !== '', 'a non-empty string'),
    fn: check((v) => typeof v === 'function', 'a function') as OptionChecker['fn'],
    oneOf: oneOf as OptionChecker['oneOf'],
    intInRange: intInRange as OptionChecker['intInRange'],
    methods<T extends object>(path: string, value: T | undefined, names: readonly string[], what: string) {
      if (value === undefined) return undefined;
      const ok =
        value !== null &&
        (typeof value === 'object' || typeof value === 'function') &&
        names.every((n) => typeof Reflect.get(value, n) === 'function');
      if (!ok) fail(path, `must be ${what} (${names.join(', ')})`);
      return value;
    },
    object<T extends object>(path: string, value: T | undefined): T {
      if (value === undefined) return {} as T;
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        fail(path, `must be an object (got ${shown(value)})`);
      }
      return value;
    },
  };
}
