/**
 * Count, mean, M2 (sum of squared deviations), min and max of a stream: Welford's update and
 * Chan et al.'s parallel merge (https://en.wikipedia.org/wiki/Algorithms_for_calculating_variance).
 * Merging the moments of two halves gives the moments of the whole, up to rounding.
 */
export interface Moments {
  readonly count: number;
  readonly mean: number;
  readonly m2: number;
  readonly min: number;
  readonly max: number;
}

export const EMPTY_MOMENTS: Moments = {
  count: 0,
  mean: 0,
  m2: 0,
  min: Number.POSITIVE_INFINITY,
  max: Number.NEGATIVE_INFINITY,
};

/** Welford (1962): one more value. Non-finite values must be filtered by the caller. */
export function addValue(m: Moments, x: number): Moments {
  const count = m.count + 1;
  const delta = x - m.mean;
  const mean = m.mean + delta / count;
  return {
    count,
    mean,
    m2: m.m2 + delta * (x - mean),
    min: Math.min(x, m.min),
    max: Math.max(x, m.max),
  };
}

/** Chan, Golub & LeVeque (1979) parallel combination. */
export function mergeMoments(a: Moments, b: Moments): Moments {
  if (a.count === 0) return b;
  if (b.count === 0) return a;
  const count = a.count + b.count;
  const delta = b.mean - a.mean;
  return {
    count,
    mean: a.mean + (delta * b.count) / count,
    m2: a.m2 + b.m2 + (delta * delta * a.count * b.count) / count,
    min: Math.min(a.min, b.min),
    max: Math.max(a.max, b.max),
  };
}

/** Population variance; undefined when empty. */
export function variance(m: Moments): number | undefined {
  return m.count === 0 ? undefined : m.m2 / m.count;
}

/** Population standard deviation; undefined when empty. */
export function stddev(m: Moments): number | undefined {
  const v = variance(m);
  return v === undefined ? undefined : Math.sqrt(v);
}
