/** Upper bounds (seconds) for lookup latency: memory hits sit in the first buckets, Redis and disk further up. */
export const DEFAULT_BUCKETS: readonly number[] = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
];

export interface HistogramSnapshot {
  buckets: readonly number[];
  /** Cumulative counts, one per bucket (the `+Inf` bucket is `count`). */
  cumulative: number[];
  count: number;
  sum: number;
}

/** A Prometheus-style histogram kept per label set. */
export interface Histogram {
  observe(labels: string, value: number): void;
  snapshot(): Map<string, HistogramSnapshot>;
  /** Quantile estimate over every label set (linear within a bucket), or 0 without observations. */
  quantile(q: number): number;
}

export function createHistogram(buckets: readonly number[] = DEFAULT_BUCKETS): Histogram {
  const series = new Map<string, { counts: number[]; count: number; sum: number }>();
  return {
    observe(labels, value) {
      let s = series.get(labels);
      if (!s) {
        s = { counts: buckets.map(() => 0), count: 0, sum: 0 };
        series.set(labels, s);
      }
      s.count++;
      s.sum += value;
      const i = buckets.findIndex((b) => value <= b);
      if (i >= 0) s.counts[i]!++;
    },
    snapshot() {
      const out = new Map<string, HistogramSnapshot>();
      for (const [labels, s] of series) {
        let acc = 0;
        const cumulative = s.counts.map((c) => (acc += c));
        out.set(labels, { buckets, cumulative, count: s.count, sum: s.sum });
      }
      return out;
    },
    quantile(q) {
      const counts = buckets.map(() => 0);
      let total = 0;
      for (const s of series.values()) {
        s.counts.forEach((c, i) => (counts[i]! += c));
        total += s.count;
      }
      if (total === 0) return 0;
      const rank = q * total;
      let acc = 0;
      for (let i = 0; i < buckets.length; i++) {
        const prev = acc;
        acc += counts[i]!;
        if (acc >= rank) {
          const lower = i === 0 ? 0 : buckets[i - 1]!;
          const within = counts[i]! === 0 ? 0 : (rank - prev) / counts[i]!;
          return lower + (buckets[i]! - lower) * within;
        }
      }
      return buckets[buckets.length - 1]!;
    },
  };
}
