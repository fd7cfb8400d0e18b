import { normalQuantile } from '../stats/normal.ts';

/** A proportion and the count behind it. */
export interface Proportion {
  readonly rate: number;
  readonly n: number;
}

/**
 * One-sided two-proportion z-test with the pooled standard error and Yates' continuity correction
 * (Fleiss, Levin & Paik, "Statistical Methods for Rates and Proportions", 3rd ed., §3.3): is `now`
 * lower than `before`?
 *   p̄ = (x_b + x_n)/(n_b + n_n),  z = (p_b − p_n − ½(1/n_b + 1/n_n)) / √(p̄(1 − p̄)(1/n_b + 1/n_n)),
 * significant when z > Φ⁻¹(1 − α). The correction matters at a few dozen labels, where the
 * binomial's lower tail is heavier than the normal's: without it, α = 1% fired on 1.6% of
 * unchanged days at 30 labels (80% accuracy), with it on under 1% (npm run eval).
 * With p̄ at 0 or 1 any drop is total and significant.
 */
export function significantDrop(before: Proportion, now: Proportion, alpha: number): boolean {
  if (before.n <= 0 || now.n <= 0) return false;
  const drop = before.rate - now.rate;
  if (drop <= 0) return false;
  const pooled = (before.rate * before.n + now.rate * now.n) / (before.n + now.n);
  const spread = 1 / before.n + 1 / now.n;
  const variance = pooled * (1 - pooled) * spread;
  if (variance <= 0) return true;
  return (drop - spread / 2) / Math.sqrt(variance) > normalQuantile(1 - alpha);
}

/**
 * The same question for an estimated rate whose standard error is known (ATC: the day's binomial
 * sampling plus the calibration's), with the same continuity correction over the day's n
 * predictions and the calibration's m labels:
 *   z = (p_b − p̂ − ½(1/n + 1/m)) / se > Φ⁻¹(1 − α).
 * Without the correction, α = 1% fired on 1.5% of unchanged days at 100 predictions and 90
 * calibration labels (npm run eval).
 */
export function significantEstimatedDrop(
  before: number,
  estimate: Proportion,
  calibrationLabels: number,
  standardError: number,
  alpha: number,
): boolean {
  const drop = before - estimate.rate;
  if (drop <= 0 || estimate.n <= 0 || calibrationLabels <= 0) return false;
  const correction = (1 / estimate.n + 1 / calibrationLabels) / 2;
  return standardError <= 0 || (drop - correction) / standardError > normalQuantile(1 - alpha);
}
