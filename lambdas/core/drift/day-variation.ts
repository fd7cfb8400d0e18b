import { type KllSketch, rankErrorOf } from '../sketches/kll-sketch.ts';
import { studentTQuantile } from '../stats/student-t.ts';
import { ksStatistic } from './numeric-distances.ts';

/**
 * How much a feature varies from day to day beyond what independent draws explain: the KS noise
 * floor assumes each image is an independent draw, but a fleet's frames are near-duplicates and
 * whole days move with the weather (docs/monitors.md, "Fleets"). Each normal baseline day's own D
 * against the baseline, scaled to K = D·√(nm/(n+m)), is a draw of what a normal day looks like —
 * within-day correlation and day-to-day variation included — and the threshold becomes a
 * prediction bound from those days: D > t_N(1 − α_day/2) · √(mean K²) · √((n+m)/(nm)) + ε_b + ε_t.
 * Independent images get it only when the days are clearly overdispersed: under independence K
 * follows Kolmogorov's distribution (E[K²] = π²/12, sd(K²) ≈ 0.52), so they keep the old floor.
 */

/** E[K²] of the Kolmogorov distribution, π²/12, and the standard deviation of K², √(7π⁴/720 − (π²/12)²). */
const KOLMOGOROV_MEAN_SQUARE = Math.PI ** 2 / 12;
const KOLMOGOROV_SD_OF_SQUARE = Math.sqrt((7 * Math.PI ** 4) / 720 - KOLMOGOROV_MEAN_SQUARE ** 2);
/** Overdispersion must exceed the independent-draw mean by this many standard errors. */
const OVERDISPERSION_SIGMAS = 4;
/** Days needed before their spread is trusted. */
export const MIN_NULL_DAYS = 2;

/** One normal baseline day compared with the baseline: its D and the sizes behind it. */
export interface NullDay {
  readonly d: number;
  readonly n: number;
  readonly m: number;
  /** Both sketches' rank errors (ε_b + ε_t): part of D, but not evidence of overdispersion. */
  readonly error: number;
}

/** A normal day's D against a baseline, with the sketches' rank errors it may hold. */
export function nullDay(
  baseline: KllSketch,
  day: KllSketch,
  baselineCount = baseline.n,
  scale = 1,
): NullDay | undefined {
  if (baseline.isEmpty() || day.isEmpty() || baselineCount <= 0) return undefined;
  return {
    d: ksStatistic(baseline, day) * scale,
    n: day.n,
    m: baselineCount,
    error: rankErrorOf(baseline) + rankErrorOf(day),
  };
}

const kSquared = ({ d, n, m }: NullDay) => (d * d * n * m) / (n + m);

/**
 * The root-mean-square K of the null days when they vary clearly more than independent draws,
 * else undefined (too few days, or nothing beyond sampling noise).
 */
export function overdispersedK(days: readonly NullDay[]): number | undefined {
  if (days.length < MIN_NULL_DAYS) return undefined;
  const mean = meanKSquared(withoutSketchError(days));
  const limit =
    KOLMOGOROV_MEAN_SQUARE +
    (OVERDISPERSION_SIGMAS * KOLMOGOROV_SD_OF_SQUARE) / Math.sqrt(days.length);
  return mean > limit ? Math.sqrt(mean) : undefined;
}

const meanKSquared = (days: readonly NullDay[]) =>
  days.reduce((s, day) => s + kSquared(day), 0) / days.length;

/**
 * The root-mean-square K of the null days, whatever it is: for clustered images (segments), whose
 * frames are known not to be independent draws, a calm stretch of days is no evidence that the
 * next day will be calm too, so the bound is used without the overdispersion gate.
 */
export function rmsK(days: readonly NullDay[]): number | undefined {
  if (days.length < MIN_NULL_DAYS) return undefined;
  // A normal day is never less variable than independent draws: each K² counts at least E[K²].
  const squares = withoutSketchError(days).map((day) =>
    Math.max(kSquared(day), KOLMOGOROV_MEAN_SQUARE),
  );
  return Math.sqrt(squares.reduce((a, b) => a + b, 0) / squares.length);
}

/** Sketch error is part of D but not variation between days. */
const withoutSketchError = (days: readonly NullDay[]) =>
  days.map((day) => ({ ...day, d: Math.max(0, day.d - day.error) }));

/** The day-variation part of the threshold: t_N(1 − α/2) · K_rms · √((n+m)/(nm)). */
export function dayVariationFloor(
  kRms: number,
  days: number,
  alpha: number,
  n: number,
  m: number,
): number {
  return studentTQuantile(alpha / 2, days) * kRms * Math.sqrt((n + m) / (n * m));
}
