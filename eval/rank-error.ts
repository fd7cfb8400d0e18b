import type { KllSketch } from '../lambdas/core/sketches/kll-sketch.ts';

/**
 * The sketch's maximum normalized rank error over the 1st..99th percentiles: for each requested
 * rank p, |true rank of quantile(p) − p| against the exact sorted values. Shared by the KLL
 * evaluation, the benchmark and the sketch tests.
 */
export function maxRankError(sketch: KllSketch, sortedValues: Float64Array): number {
  let worst = 0;
  for (let p = 1; p <= 99; p++) {
    const q = sketch.quantile(p / 100);
    let lo = 0;
    let hi = sortedValues.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((sortedValues[mid] as number) <= q) lo = mid + 1;
      else hi = mid;
    }
    worst = Math.max(worst, Math.abs(lo / sortedValues.length - p / 100));
  }
  return worst;
}

/**
 * The sketch's maximum CDF error over every x: sup_x |rank(x) − F(x)|, which is what KS's D
 * inherits (it reads rank(x) at every retained item of both sketches). The sketch's rank function
 * steps only at retained items, which are input values, so the supremum is reached at an input
 * value, from the right (≤ x) or from the left (< x); both are checked at every distinct value.
 */
export function maxCdfError(sketch: KllSketch, sortedValues: Float64Array): number {
  const { items, cumulative } = sketch.view();
  const n = sortedValues.length;
  let worst = 0;
  let retained = 0; // retained items ≤ the current value
  let estimateBelow = 0; // sketch rank just below the current value
  for (let i = 0; i < n; ) {
    const x = sortedValues[i] as number;
    let j = i;
    while (j < n && (sortedValues[j] as number) === x) j++;
    while (retained < items.length && (items[retained] as number) <= x) retained++;
    const estimateAt = retained === 0 ? 0 : (cumulative[retained - 1] as number) / n;
    worst = Math.max(worst, Math.abs(estimateBelow - i / n), Math.abs(estimateAt - j / n));
    estimateBelow = estimateAt;
    i = j;
  }
  return worst;
}
