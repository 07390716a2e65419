/**
 * Requests per bucket over a sliding window: `buckets` counters of `bucketMs` each, in a ring, so memory is
 * fixed per tracked key. Buckets older than the window are zeroed as time moves on.
 */
export interface RateSeries {
  add(at: number, by?: number): void;
  /** Counts oldest first, the last being the bucket that holds `now`. */
  counts(now: number): number[];
  /** Requests within the window ending at `now`. */
  total(now: number): number;
}

export function rateSeries(buckets: number, bucketMs: number): RateSeries {
  const ring = new Float64Array(buckets);
  // Absolute bucket number of the newest slot written; -1 before the first request.
  let head = -1;
  const advance = (now: number): void => {
    const b = Math.floor(now / bucketMs);
    if (head < 0) {
      head = b;
      return;
    }
    if (b <= head) return;
    const steps = Math.min(b - head, buckets);
    for (let i = 1; i <= steps; i++) ring[(head + i) % buckets] = 0;
    head = b;
  };
  return {
    add(at, by = 1) {
      advance(at);
      const b = Math.floor(at / bucketMs);
      // A late report for a bucket still in the window counts there; older ones are dropped.
      if (b > head - buckets) ring[((b % buckets) + buckets) % buckets] += by;
    },
    counts(now) {
      advance(now);
      const out: number[] = [];
      for (let i = buckets - 1; i >= 0; i--)
        out.push(ring[(((head - i) % buckets) + buckets) % buckets] as number);
      return out;
    },
    total(now) {
      return this.counts(now).reduce((a, b) => a + b, 0);
    },
  };
}
