import { describe, expect, it } from 'vitest';
import { bandFalseAlarms } from '../../../eval/stddev-band-lib.ts';
import {
  predictionBandLimit,
  stddevBandDecision,
} from '../../../lambdas/core/drift/prediction-band.ts';
import { normalUpperTail } from '../../../lambdas/core/stats/normal.ts';

describe('normalUpperTail', () => {
  it('matches published normal tail areas', () => {
    // Abramowitz & Stegun table 26.1: 1 − Φ(1) = 0.158655, 1 − Φ(3) = 0.001349898, 1 − Φ(6) = 9.8659e-10
    expect(normalUpperTail(0)).toBeCloseTo(0.5, 12);
    expect(normalUpperTail(1)).toBeCloseTo(0.158655254, 8);
    expect(normalUpperTail(3)).toBeCloseTo(0.001349898, 9);
    expect(normalUpperTail(6) / 9.8658765e-10).toBeCloseTo(1, 6);
    expect(normalUpperTail(-1)).toBeCloseTo(1 - 0.158655254, 8);
  });
});

describe('predictionBandLimit', () => {
  it('is the t prediction-interval factor t_{1−α/2, n−1}·√(1 + 1/n) for the nominal α of sigmas', () => {
    // With 2 degrees of freedom the t quantile has a closed form: t = u·√(2 / (1 − u²)), u = 1 − 2p.
    const p = normalUpperTail(3);
    const u = 1 - 2 * p;
    const t2 = u * Math.sqrt(2 / (1 - u * u));
    expect(predictionBandLimit(3, 3)).toBeCloseTo(t2 * Math.sqrt(1 + 1 / 3), 6);
  });

  it('widens with fewer days and approaches sigmas with many', () => {
    expect(predictionBandLimit(3, 3)).toBeGreaterThan(predictionBandLimit(3, 7));
    expect(predictionBandLimit(3, 7)).toBeGreaterThan(predictionBandLimit(3, 30));
    expect(predictionBandLimit(3, 100_000)).toBeCloseTo(3, 2);
  });

  it('never fires for a band so wide its tail underflows', () => {
    expect(predictionBandLimit(40, 3)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('stddevBandDecision', () => {
  it('does not fire 4 s from the mean of 3 trailing days at 3σ (that is inside the 0.27% band)', () => {
    const decision = stddevBandDecision([0, 1, 2], 5, 3);
    expect(decision.distance).toBeCloseTo(4, 12);
    expect(decision.fired).toBe(false);
    expect(stddevBandDecision([0, 1, 2], 40, 3).fired).toBe(true);
  });

  it('keeps its nominal false-alarm rate with no change (smoke subset of eval/stddev-band.ts)', () => {
    // 2σ ↔ 4.55%; 20,000 days give a standard error of 0.15%.
    for (const days of [3, 7]) {
      const { rate } = bandFalseAlarms(days, 2, 20_000, 17 + days);
      expect(rate).toBeGreaterThan(0.04);
      expect(rate).toBeLessThan(0.051);
    }
  });
});
