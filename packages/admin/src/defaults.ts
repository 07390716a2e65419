import { DEFAULT_LABEL_LIMITS } from '@gatecache/core';
import type { LabelLimits } from '@gatecache/core';

/** Defaults of `cacheAdmin` options, resolved once at creation. */
export const DEFAULTS: Readonly<{ maxTrackedKeys: number; labelLimits: Readonly<Required<LabelLimits>> }> =
  Object.freeze({
    /** Keys tracked by the access patterns (`GET /debug/cache/patterns`). */
    maxTrackedKeys: 10_000,
    labelLimits: DEFAULT_LABEL_LIMITS,
  });
