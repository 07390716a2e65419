/**
 * Label values and map keys that come from clients (tenants, models) are capped: the first `max` distinct
 * values keep their own name, later ones read as `OTHER_LABEL` and are counted as folded. First come rather
 * than the current top N: a value that moved between its own series and `other` would make both counters go
 * backwards, which Prometheus reads as a restart.
 */
export const OTHER_LABEL = 'other';

/** Limits on distinct client-controlled values kept in per-tenant and per-model series and maps. */
export interface LabelLimits {
  /** Distinct tenants with their own bucket or series. Default 500. */
  tenants?: number;
  /** Distinct models with their own bucket or series. Default 200. */
  models?: number;
  /** Distinct (model, tenant) pairs with their own series. Default 1000. */
  pairs?: number;
}

export const DEFAULT_LABEL_LIMITS: Readonly<Required<LabelLimits>> = Object.freeze({
  tenants: 500,
  models: 200,
  pairs: 1000,
});

/** Longer values are never kept: a label or bucket name of a megabyte costs memory and every scrape. */
export const MAX_LABEL_LENGTH = 200;

/** Validates `limits` (a bad one throws a TypeError naming `path`) and fills in the defaults. */
export function resolveLabelLimits(path: string, limits: LabelLimits | undefined): Required<LabelLimits> {
  if (limits === undefined) return { ...DEFAULT_LABEL_LIMITS };
  if (limits === null || typeof limits !== 'object') throw new TypeError(`${path} must be an object`);
  const out = { ...DEFAULT_LABEL_LIMITS };
  for (const name of ['tenants', 'models', 'pairs'] as const) {
    const v = limits[name];
    if (v === undefined) continue;
    if (!Number.isSafeInteger(v) || v < 0) {
      throw new TypeError(`${path}.${name} must be an integer >= 0 (got ${String(v)})`);
    }
    out[name] = v;
  }
  return out;
}

export interface LabelCap {
  /**
   * `value` while it holds a slot or one is free, else `OTHER_LABEL` (counted in `folded`). With `admit` false
   * a value without a slot does not take a free one: for events that must not grow the table (a miss).
   */
  label(value: string, admit?: boolean): string;
  /** Whether `value` holds a slot. */
  has(value: string): boolean;
  /** Values reported as `OTHER_LABEL` because the table was full, too long, or not admitted. */
  readonly folded: number;
  /** Values holding a slot. */
  readonly size: number;
  readonly max: number;
}

export function labelCap(max: number): LabelCap {
  const kept = new Set<string>();
  let folded = 0;
  return {
    label(value, admit = true) {
      if (kept.has(value)) return value;
      if (value === OTHER_LABEL) return value;
      if (admit && kept.size < max && value.length <= MAX_LABEL_LENGTH) {
        kept.add(value);
        return value;
      }
      folded++;
      return OTHER_LABEL;
    },
    has: (value) => kept.has(value),
    get folded() {
      return folded;
    },
    get size() {
      return kept.size;
    },
    max,
  };
}
