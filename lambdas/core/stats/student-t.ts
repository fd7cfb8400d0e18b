/**
 * Student's t distribution: CDF through the regularized incomplete beta function (Numerical
 * Recipes §6.4, `betai` with the modified Lentz continued fraction) and the quantile by bisection.
 * Used where a spread is estimated from a handful of values (peer segments, trailing days), so the
 * critical value must widen with the uncertainty of the estimate instead of assuming σ is known.
 */
import { logGamma } from './log-gamma.ts';

function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < 1e-15) break;
  }
  return h;
}

/** The regularized incomplete beta function I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(
    logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x),
  );
  return x < (a + 1) / (a + b + 2)
    ? (front * betaContinuedFraction(a, b, x)) / a
    : 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** P(T > t) for T ~ Student's t with `df` degrees of freedom, t ≥ 0. */
export function studentTUpperTail(t: number, df: number): number {
  return 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
}

/** The t with P(T > t) = p (0 < p < 0.5): the one-sided critical value. */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 0.5)) throw new RangeError(`upper-tail probability ${p} is not in (0, 0.5)`);
  if (!(df > 0)) throw new RangeError(`degrees of freedom ${df} must be positive`);
  let low = 0;
  let high = 1;
  while (studentTUpperTail(high, df) > p) high *= 2;
  for (let i = 0; i < 200 && high - low > 1e-12 * high; i++) {
    const mid = (low + high) / 2;
    if (studentTUpperTail(mid, df) > p) low = mid;
    else high = mid;
  }
  return (low + high) / 2;
}
