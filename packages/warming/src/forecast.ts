/** Least-squares line through `ys` at x = 0..n-1: slope and intercept. */
export function fitLine(ys: readonly number[]): { slope: number; intercept: number } {
  const n = ys.length;
  if (n === 0) return { slope: 0, intercept: 0 };
  if (n === 1) return { slope: 0, intercept: ys[0] as number };
  const meanX = (n - 1) / 2;
  const meanY = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (i - meanX) * ((ys[i] as number) - meanY);
    sxx += (i - meanX) * (i - meanX);
  }
  const slope = sxy / sxx;
  return { slope, intercept: meanY - slope * meanX };
}

/**
 * Requests forecast over the next `ahead` buckets by a linear regression through the per-bucket counts
 * (oldest first), never below zero: a rising key is warmed before its demand arrives, a fading one is not.
 */
export function forecastRequests(counts: readonly number[], ahead: number): number {
  const { slope, intercept } = fitLine(counts);
  const n = counts.length;
  let sum = 0;
  for (let i = 0; i < ahead; i++) sum += Math.max(0, intercept + slope * (n + i));
  return sum;
}
