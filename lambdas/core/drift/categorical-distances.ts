import { type FrequentItems, itemShares } from '../sketches/frequent-items.ts';
import { chiSquareSurvival } from './chi-square.ts';
import { ksCriticalValue } from './numeric-distances.ts';

/** Category shares of both sides over the union of their items ("(other)" holds the untracked tail). */
export function alignedShares(baseline: FrequentItems, target: FrequentItems) {
  const b = itemShares(baseline);
  const t = itemShares(target);
  const items = [...new Set([...b.keys(), ...t.keys()])].sort();
  const p = items.map((i) => b.get(i) ?? 0);
  const q = items.map((i) => t.get(i) ?? 0);
  const pTail = 1 - p.reduce((s, x) => s + x, 0);
  const qTail = 1 - q.reduce((s, x) => s + x, 0);
  if (pTail > 1e-12 || qTail > 1e-12) {
    items.push('(other)');
    p.push(Math.max(0, pTail));
    q.push(Math.max(0, qTail));
  }
  return { items, baseline: p, target: q };
}

/** L∞ distance: the largest change in any category's share. */
export function linf(p: readonly number[], q: readonly number[]): number {
  return p.reduce((d, pi, i) => Math.max(d, Math.abs(pi - (q[i] ?? 0))), 0);
}

/**
 * Noise floor for L∞ between category shares of samples of n and m: the same c(α)·sqrt((n+m)/nm)
 * as KS (L∞ between two empirical distributions over ordered categories is bounded by 2·D).
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
