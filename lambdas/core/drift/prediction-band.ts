import { normalUpperTail } from '../stats/normal.ts';
import { studentTQuantile } from '../stats/student-t.ts';

/**
 * How many sample standard deviations s a new day may lie from the mean of `days` trailing days
 * before a stddev-band fires, for a band the user declared as `sigmas` "σ".
 *
 * `sigmas` keeps its familiar meaning as a false-alarm rate: the two-sided normal tail
 * α = 2·(1 − Φ(sigmas)) (3σ ↔ 0.27%). With σ estimated from n days, a new independent value x
 * satisfies (x − x̄) / (s·√(1 + 1/n)) ~ t_{n−1} (the prediction interval for one further
 * observation; e.g. Hahn & Meeker, Statistical Intervals, 2nd ed., §4.4), so the limit in units
 * of s is t_{1−α/2, n−1}·√(1 + 1/n). With 3 days and 3σ that is 22.2 s, not 3 s: two degrees of
 * freedom say little about σ.
 */
export function predictionBandLimit(sigmas: number, days: number): number {
  if (!(days >= 2)) throw new RangeError(`a band needs at least 2 days, got ${days}`);
  const key = `${sigmas}/${days}`;
  let limit = limits.get(key);
  if (limit === undefined) {
    limit = computeLimit(sigmas, days);
    limits.set(key, limit);
  }
  return limit;
}

/** Limits already computed: a config has a handful of (sigmas, days) pairs; each costs a bisection. */
const limits = new Map<string, number>();

function computeLimit(sigmas: number, days: number): number {
  // Past ~37σ the normal tail underflows; such a band never fires in practice.
  const tail = normalUpperTail(sigmas);
  if (!(tail > 0)) return Number.POSITIVE_INFINITY;
  return studentTQuantile(tail, days - 1) * Math.sqrt(1 + 1 / days);
}

/** Where a day's value lies against its trailing days, in sample standard deviations. */
export interface BandDecision {
  readonly mean: number;
  /** |value − mean| / s; ∞ when the trailing days are all equal and the value differs. */
  readonly distance: number;
  /** predictionBandLimit(sigmas, days). */
  readonly limit: number;
  readonly fired: boolean;
}

/** The stddev-band rule on plain numbers (shared by the monitor and its false-alarm evaluation). */
export function stddevBandDecision(
  history: readonly number[],
  value: number,
  sigmas: number,
): BandDecision {
  const n = history.length;
  const mean = history.reduce((s, x) => s + x, 0) / n;
  const sd = Math.sqrt(history.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1));
  const distance =
    sd > 0 ? Math.abs(value - mean) / sd : value === mean ? 0 : Number.POSITIVE_INFINITY;
  const limit = predictionBandLimit(sigmas, n);
  return { mean, distance, limit, fired: distance > limit };
}
