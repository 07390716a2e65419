/**
 * Count-min sketch with conservative update: a fixed `width x depth` table of counters that over-estimates
 * a key's count by at most ~e*N/width with probability 1 - e^-depth, however many distinct keys pass.
 */
export interface CountMinSketch {
  /** Adds `by` to the key and returns its new estimate. */
  add(key: string, by?: number): number;
  estimate(key: string): number;
  /** Multiplies every counter by `factor` (ageing: recent requests weigh more than old ones). */
  scale(factor: number): void;
  readonly bytes: number;
}

/** FNV-1a over the UTF-16 code units, seeded per row. */
function fnv1a(key: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // Final avalanche so nearby keys spread across the row.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  return h >>> 0;
}

export function countMinSketch(width = 2048, depth = 4): CountMinSketch {
  if (!Number.isInteger(width) || width < 16)
    throw new Error('countMinSketch: width must be an integer >= 16');
  if (!Number.isInteger(depth) || depth < 1) throw new Error('countMinSketch: depth must be an integer >= 1');
  const table = new Float64Array(width * depth);
  const slots = (key: string): number[] => {
    const out: number[] = [];
    for (let row = 0; row < depth; row++) out.push(row * width + (fnv1a(key, row * 0x9e3779b1) % width));
    return out;
  };
  const min = (idx: number[]): number => idx.reduce((m, i) => Math.min(m, table[i] as number), Infinity);
  return {
    add(key, by = 1) {
      const idx = slots(key);
      const target = min(idx) + by;
      // Conservative update: raise only the counters below the new estimate.
      for (const i of idx) if ((table[i] as number) < target) table[i] = target;
      return target;
    },
    estimate(key) {
      return min(slots(key));
    },
    scale(factor) {
      for (let i = 0; i < table.length; i++) table[i] = (table[i] as number) * factor;
    },
    bytes: table.byteLength,
  };
}
