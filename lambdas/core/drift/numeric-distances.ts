import { type KllSketch, rankErrorOf } from '../sketches/kll-sketch.ts';

/**
 * Distances between a baseline and a target distribution, each given by its KLL sketch.
 * All are computed from the sketches alone (no raw values), so they work on merged day profiles.
 */

/**
 * Two-sample Kolmogorov–Smirnov statistic D = sup_x |F_b(x) − F_t(x)|, evaluated at every retained
 * item of both sketches (the sketch CDFs are step functions that only jump there).
 */
export function ksStatistic(baseline: KllSketch, target: KllSketch): number {
  if (baseline.isEmpty() || target.isEmpty()) return Number.NaN;
  const a = baseline.view();
  const b = target.view();
  let i = 0;
  let j = 0;
  let d = 0;
  const na = baseline.n;
  const nb = target.n;
  while (i < a.items.length || j < b.items.length) {
    const x = Math.min(
      i < a.items.length ? (a.items[i] as number) : Number.POSITIVE_INFINITY,
      j < b.items.length ? (b.items[j] as number) : Number.POSITIVE_INFINITY,
    );
    while (i < a.items.length && (a.items[i] as number) <= x) i++;
    while (j < b.items.length && (b.items[j] as number) <= x) j++;
    const fa = i === 0 ? 0 : (a.cumulative[i - 1] as number) / na;
    const fb = j === 0 ? 0 : (b.cumulative[j - 1] as number) / nb;
    d = Math.max(d, Math.abs(fa - fb));
  }
  return d;
}

/**
 * The KS noise floor: the D that sampling noise alone reaches with probability α, plus both
 * sketches' rank errors (as DataSketches' kolmogorov_smirnov::threshold adds eps1 + eps2).
 * c(α) = sqrt(−ln(α/2) / 2) is the asymptotic Kolmogorov critical value, and
 * floor = c(α) · sqrt((n + m) / (n·m)) is Deequ's / SageMaker's "linf_robust" correction.
 */
export function ksThreshold(baseline: KllSketch, target: KllSketch, alpha: number): number {
  const n = baseline.n;
  const m = target.n;
  return (
    ksCriticalValue(alpha) * Math.sqrt((n + m) / (n * m)) +
    rankErrorOf(baseline) +
    rankErrorOf(target)
  );
}

export function ksCriticalValue(alpha: number): number {
  return Math.sqrt(-Math.log(alpha / 2) / 2);
}

/**
 * Probability mass of each sketch in bins cut at the baseline's quantiles (1/bins, 2/bins, …).
 * Baseline-quantile bins put equal baseline mass in every bin, so one outlier cannot squeeze the
 * distribution into a single bin (the weakness of WhyLabs' equal-width bins).
 */
export function quantileBinMasses(
  baseline: KllSketch,
  target: KllSketch,
  bins = 10,
): { baseline: number[]; target: number[] } {
  const edges: number[] = [];
  for (let i = 1; i < bins; i++) {
    const edge = baseline.quantile(i / bins);
    if (edges.length === 0 || edge > (edges[edges.length - 1] as number)) edges.push(edge);
  }
  const masses = (s: KllSketch) => {
    const out: number[] = [];
    let previous = 0;
    for (const edge of edges) {
      const r = s.rank(edge);
      out.push(r - previous);
      previous = r;
    }
    out.push(1 - previous);
    return out;
  };
  return { baseline: masses(baseline), target: masses(target) };
}

/** Masses on 30 equal-width bins between the joint min and max: WhyLabs' histogram drift. */
export function equalWidthBinMasses(
  baseline: KllSketch,
  target: KllSketch,
  bins = 30,
): { baseline: number[]; target: number[] } {
  const min = Math.min(baseline.min, target.min);
  const max = Math.max(baseline.max, target.max);
  const width = Math.max((max - min) / bins, Number.EPSILON);
  const masses = (s: KllSketch) => {
    const out: number[] = [];
    let previous = 0;
    for (let i = 1; i < bins; i++) {
      const r = s.rank(min + i * width);
      out.push(r - previous);
      previous = r;
    }
    out.push(1 - previous);
    return out;
  };
  return { baseline: masses(baseline), target: masses(target) };
}

/** Hellinger distance sqrt(½ Σ (√p − √q)²) ∈ [0, 1]. */
export function hellinger(p: readonly number[], q: readonly number[]): number {
  let sum = 0;
  p.forEach((pi, i) => {
    sum += (Math.sqrt(Math.max(0, pi)) - Math.sqrt(Math.max(0, q[i] ?? 0))) ** 2;
  });
  return Math.sqrt(sum / 2);
}

/** Masses below this are floored in PSI, which is undefined for empty bins (WhyLabs clips at 1e-7). */
const PSI_FLOOR = 1e-4;

/** Population stability index Σ (q − p) · ln(q / p), p = baseline, q = target. */
export function psi(p: readonly number[], q: readonly number[]): number {
  let sum = 0;
  p.forEach((pi, i) => {
    const a = Math.max(PSI_FLOOR, pi);
    const b = Math.max(PSI_FLOOR, q[i] ?? 0);
    sum += (b - a) * Math.log(b / a);
  });
  return sum;
}

/** Jensen–Shannon distance with base-2 logarithms: sqrt(JS divergence) ∈ [0, 1]. */
export function jensenShannon(p: readonly number[], q: readonly number[]): number {
  let sum = 0;
  p.forEach((pi, i) => {
    const qi = q[i] ?? 0;
    const m = (pi + qi) / 2;
    if (pi > 0) sum += 0.5 * pi * Math.log2(pi / m);
    if (qi > 0) sum += 0.5 * qi * Math.log2(qi / m);
  });
  return Math.sqrt(Math.max(0, sum));
}

/**
 * The least scale normalizedWasserstein divides by: Evidently's floor (`norm = max(np.std(reference),
 * 0.001)` in evidently/legacy/calculations/stattests/wasserstein_distance_norm.py), so a constant
 * baseline gives a large but finite score in the feature's own units instead of a division by ~0.
 */
export const WASSERSTEIN_MIN_SCALE = 0.001;

/**
 * Wasserstein-1 distance ∫|F_b⁻¹(u) − F_t⁻¹(u)| du over 200 quantiles, divided by the baseline's
 * standard deviation floored at WASSERSTEIN_MIN_SCALE (Evidently's "normed" Wasserstein), so 0.1
 * means a tenth of the usual spread.
 */
export function normalizedWasserstein(
  baseline: KllSketch,
  target: KllSketch,
  baselineStd: number,
): number {
  const steps = 200;
  let sum = 0;
  for (let i = 0; i < steps; i++) {
    const u = (i + 0.5) / steps;
    sum += Math.abs(baseline.quantile(u) - target.quantile(u));
  }
  return sum / steps / Math.max(baselineStd, WASSERSTEIN_MIN_SCALE);
}
