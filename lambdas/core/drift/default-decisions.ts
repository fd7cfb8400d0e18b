import type { FrequentItems } from '../sketches/frequent-items.ts';
import type { KllSketch } from '../sketches/kll-sketch.ts';
import { alignedShares, linf, linfThreshold } from './categorical-distances.ts';
import { ksStatistic, ksThreshold } from './numeric-distances.ts';

/**
 * The shipped drift decisions, shared by the monitors and `driftwatch compare`: KS D against
 * max(noise floor, minEffect) for numeric features, and L∞ of category shares (less the summaries'
 * slack) against max(c(α)·√((n+m)/nm), minEffect) for categorical ones (docs/monitors.md).
 */
export function ksDecision(
  baseline: KllSketch,
  target: KllSketch,
  alpha: number,
  minEffect: number,
) {
  return {
    score: ksStatistic(baseline, target),
    threshold: Math.max(ksThreshold(baseline, target, alpha), minEffect),
  };
}

export function categoricalDecision(
  baseline: FrequentItems,
  target: FrequentItems,
  alpha: number,
  minEffect: number,
) {
  const shares = alignedShares(baseline, target);
  let top = 0;
  shares.items.forEach((_, i) => {
    const change = Math.abs((shares.target[i] as number) - (shares.baseline[i] as number));
    if (change > Math.abs((shares.target[top] as number) - (shares.baseline[top] as number)))
      top = i;
  });
  return {
    shares,
    score: linf(shares.baseline, shares.target, shares.slack),
    threshold: Math.max(linfThreshold(baseline.total, target.total, alpha), minEffect),
    /** The item whose share moved most, for the alert's words. */
    largestMove: {
      item: shares.items[top] as string,
      before: shares.baseline[top] as number,
      after: shares.target[top] as number,
    },
  };
}
