import { describe, expect, it } from 'vitest';
import {
  equalWidthBinMasses,
  hellinger,
  jensenShannon,
  ksCriticalValue,
  ksStatistic,
  ksThreshold,
  normalizedWasserstein,
  psi,
  quantileBinMasses,
  WASSERSTEIN_MIN_SCALE,
} from '../../../lambdas/core/drift/numeric-distances.ts';
import { KLL_RANK_ERROR, KllSketch } from '../../../lambdas/core/sketches/kll-sketch.ts';
import { SeededRandom } from '../../../lambdas/core/sketches/random.ts';
import { normal } from '../../helpers/images.ts';

const sketchOf = (values: readonly number[], seed = 1) => {
  const s = new KllSketch(undefined, seed);
  for (const v of values) s.update(v);
  return s;
};
const gaussian = (n: number, mean: number, seed: number) => {
  const r = new SeededRandom(seed);
  return Array.from({ length: n }, () => mean + normal(r));
};

/** Brute-force two-sample KS D over the pooled sample. */
function exactKs(a: readonly number[], b: readonly number[]): number {
  const cdf = (xs: readonly number[], x: number) => xs.filter((v) => v <= x).length / xs.length;
  return Math.max(...[...a, ...b].map((x) => Math.abs(cdf(a, x) - cdf(b, x))));
}

describe('ksStatistic', () => {
  it('equals the exact two-sample D while both sketches are exact', () => {
    for (const seed of [1, 2, 3]) {
      const a = gaussian(80, 0, seed).map(Math.fround);
      const b = gaussian(60, 0.5, seed + 10).map(Math.fround);
      expect(ksStatistic(sketchOf(a), sketchOf(b))).toBeCloseTo(exactKs(a, b), 12);
    }
  });

  it('is 0 for identical samples and 1 for disjoint ones', () => {
    const a = gaussian(500, 0, 4);
    expect(ksStatistic(sketchOf(a), sketchOf(a))).toBe(0);
    expect(ksStatistic(sketchOf(a), sketchOf(a, 2))).toBeLessThanOrEqual(2 * KLL_RANK_ERROR);
    expect(ksStatistic(sketchOf(a), sketchOf(a.map((x) => x + 100)))).toBe(1);
  });

  it('stays within the sketch error of the exact D in estimation mode', () => {
    const a = gaussian(20_000, 0, 5).map(Math.fround);
    const b = gaussian(20_000, 0.2, 6).map(Math.fround);
    const sa = sketchOf(a);
    const sb = sketchOf(b);
    const sorted = (xs: number[]) => [...xs].sort((x, y) => x - y);
    const [as, bs] = [sorted(a), sorted(b)];
    let exact = 0;
    let i = 0;
    let j = 0;
    while (i < as.length && j < bs.length) {
      const x = Math.min(as[i] as number, bs[j] as number);
      while (i < as.length && (as[i] as number) <= x) i++;
      while (j < bs.length && (bs[j] as number) <= x) j++;
      exact = Math.max(exact, Math.abs(i / as.length - j / bs.length));
    }
    expect(sa.isEstimationMode()).toBe(true);
    expect(Math.abs(ksStatistic(sa, sb) - exact)).toBeLessThanOrEqual(2 * KLL_RANK_ERROR);
  });
});

describe('ksThreshold', () => {
  it('is the Kolmogorov critical value times sqrt((n+m)/nm) plus the sketch errors', () => {
    // c(0.05) = 1.358 (Smirnov); n = m = 100 exact sketches → 1.358 · sqrt(0.02)
    expect(ksCriticalValue(0.05)).toBeCloseTo(1.3581, 3);
    const a = sketchOf(gaussian(100, 0, 7));
    const b = sketchOf(gaussian(100, 0, 8));
    expect(ksThreshold(a, b, 0.05)).toBeCloseTo(1.3581 * Math.sqrt(0.02), 3);
    const big = sketchOf(gaussian(5000, 0, 9));
    expect(ksThreshold(big, big, 0.05)).toBeCloseTo(
      1.3581 * Math.sqrt(2 / 5000) + 2 * KLL_RANK_ERROR,
      3,
    );
  });
});

describe('binned distances', () => {
  it('puts equal baseline mass in each baseline-quantile bin', () => {
    const base = sketchOf(Array.from({ length: 1000 }, (_, i) => i));
    const { baseline } = quantileBinMasses(base, base, 10);
    for (const m of baseline) expect(m).toBeCloseTo(0.1, 2);
  });

  it('gives zero for identical distributions and grows with a shift', () => {
    const a = sketchOf(gaussian(1000, 0, 10));
    const same = quantileBinMasses(a, a);
    expect(hellinger(same.baseline, same.target)).toBe(0);
    expect(psi(same.baseline, same.target)).toBe(0);
    expect(jensenShannon(same.baseline, same.target)).toBe(0);
    const shifted = quantileBinMasses(a, sketchOf(gaussian(1000, 1, 11)));
    expect(hellinger(shifted.baseline, shifted.target)).toBeGreaterThan(0.3);
    expect(psi(shifted.baseline, shifted.target)).toBeGreaterThan(0.5);
  });

  it('matches hand-computed Hellinger, PSI and JS on two-bin distributions', () => {
    // p = (0.5, 0.5), q = (0.9, 0.1)
    const p = [0.5, 0.5];
    const q = [0.9, 0.1];
    expect(hellinger(p, q)).toBeCloseTo(
      Math.sqrt(
        ((Math.sqrt(0.5) - Math.sqrt(0.9)) ** 2 + (Math.sqrt(0.5) - Math.sqrt(0.1)) ** 2) / 2,
      ),
      12,
    );
    expect(psi(p, q)).toBeCloseTo(0.4 * Math.log(0.9 / 0.5) + -0.4 * Math.log(0.1 / 0.5), 12);
    expect(jensenShannon([1, 0], [0, 1])).toBeCloseTo(1, 12);
  });

  it('spreads mass over 30 equal-width bins like WhyLabs', () => {
    const a = sketchOf(Array.from({ length: 300 }, (_, i) => i / 299));
    const { baseline } = equalWidthBinMasses(a, a);
    expect(baseline).toHaveLength(30);
    expect(baseline.reduce((s, m) => s + m, 0)).toBeCloseTo(1, 12);
  });
});

describe('normalizedWasserstein', () => {
  it('is about 1 for a shift of one baseline standard deviation', () => {
    const a = sketchOf(gaussian(5000, 0, 12));
    const b = sketchOf(gaussian(5000, 1, 13));
    expect(normalizedWasserstein(a, b, 1)).toBeCloseTo(1, 1);
  });

  it('divides by at least 0.001, the floor Evidently uses, when the baseline is constant', () => {
    // Every baseline image has 3 channels; a tenth of the day's have 1: W = 0.2 channels.
    const baseline = sketchOf(Array.from({ length: 1000 }, () => 3));
    const day = sketchOf(Array.from({ length: 1000 }, (_, i) => (i % 10 === 0 ? 1 : 3)));
    expect(normalizedWasserstein(baseline, day, 0)).toBeCloseTo(0.2 / WASSERSTEIN_MIN_SCALE, 6);
    expect(normalizedWasserstein(baseline, baseline, 0)).toBe(0);
  });
});
