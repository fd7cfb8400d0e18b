import { type FrequentItems, itemShares } from '../sketches/frequent-items.ts';
import { chiSquareSurvival } from './chi-square.ts';
import { ksCriticalValue } from './numeric-distances.ts';

/**
 * Category shares of both sides over the union of their tracked items, and the slack: how much any
 * share may be understated because a Misra–Gries summary dropped counts (maxError / total per side).
 * Untracked tails are not compared: a high-cardinality baseline (many camera models) would otherwise
 * show a large "other" share that an exact small day does not have.
 */
export function alignedShares(baseline: FrequentItems, target: FrequentItems) {
  const b = itemShares(baseline);
  const t = itemShares(target);
  const items = [...new Set([...b.keys(), ...t.keys()])].sort();
  const slack =
    (baseline.total > 0 ? baseline.maxError / baseline.total : 0) +
    (target.total > 0 ? target.maxError / target.total : 0);
  return {
    items,
    baseline: items.map((i) => b.get(i) ?? 0),
    target: items.map((i) => t.get(i) ?? 0),
    slack,
  };
}

/** L∞ distance: the largest change in any category's share, less the summaries' slack (≥ 0). */
export function linf(p: readonly number[], q: readonly number[], slack = 0): number {
  return Math.max(0, p.reduce((d, pi, i) => Math.max(d, Math.abs(pi - (q[i] ?? 0))), 0) - slack);
}

/**
 * Noise floor for L∞ between category shares of samples of n and m: c(α)·sqrt((n+m)/nm), as for KS.
 * One category's share change is a difference of two independent sample means of 0/1 values, so
 * Hoeffding's inequality gives P(|Δshare| ≥ t) ≤ 2·exp(−2t²·nm/(n+m)), which is exactly α at this t
 * (c(α) = sqrt(−ln(α/2)/2)). Over K categories the false-alarm rate is at most K·α (union bound).
 * (L∞ ≤ 2·D would only justify 2c, and is not what this rests on.)
 */
export function linfThreshold(n: number, m: number, alpha: number): number {
  return ksCriticalValue(alpha) * Math.sqrt((n + m) / (n * m));
}

/**
 * Two-sample χ² test for binned data with unequal sample sizes (Numerical Recipes §14.3, chstwo):
 * χ² = Σ (√(m/n)·B_i − √(n/m)·T_i)² / (B_i + T_i) over bins with counts, df = bins − 1.
 */
export function chiSquareTwoSample(
  p: readonly number[],
  q: readonly number[],
  n: number,
  m: number,
): { statistic: number; pValue: number; degreesOfFreedom: number } {
  const k1 = Math.sqrt(m / n);
  const k2 = Math.sqrt(n / m);
  let statistic = 0;
  let bins = 0;
  p.forEach((pi, i) => {
    const b = pi * n;
    const t = (q[i] ?? 0) * m;
    if (b + t > 0) {
      statistic += (k1 * b - k2 * t) ** 2 / (b + t);
      bins++;
    }
  });
  const degreesOfFreedom = Math.max(1, bins - 1);
  return { statistic, pValue: chiSquareSurvival(statistic, degreesOfFreedom), degreesOfFreedom };
}
