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
