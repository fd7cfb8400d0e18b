import { describe, expect, it } from 'vitest';
import {
  alignedShares,
  chiSquareTwoSample,
  linf,
  linfThreshold,
} from '../../../lambdas/core/drift/categorical-distances.ts';
import { chiSquareSurvival } from '../../../lambdas/core/drift/chi-square.ts';
import { addItem, emptyFrequentItems } from '../../../lambdas/core/sketches/frequent-items.ts';

describe('chiSquareSurvival', () => {
  it.each([
    // reference values: scipy.stats.chi2.sf(x, df)
    [3.841458820694124, 1, 0.05],
    [0.5, 2, Math.exp(-0.25)],
    [10, 5, 0.07523524614651217],
    [40, 20, 0.004995412308684],
  ])('Q(x=%f, df=%i) = %f', (x, df, expected) => {
    expect(chiSquareSurvival(x, df)).toBeCloseTo(expected, 8);
  });
});

describe('categorical distances', () => {
  const of = (items: Record<string, number>) =>
    Object.entries(items).reduce((s, [k, n]) => addItem(s, k, n), emptyFrequentItems());

  it('aligns shares over the union of items', () => {
    const shares = alignedShares(of({ jpeg: 90, png: 10 }), of({ jpeg: 50, webp: 50 }));
    expect(shares.items).toEqual(['jpeg', 'png', 'webp']);
    expect(shares.baseline).toEqual([0.9, 0.1, 0]);
    expect(shares.target).toEqual([0.5, 0, 0.5]);
    expect(linf(shares.baseline, shares.target)).toBeCloseTo(0.5, 12);
  });

  it('rejects equal shares with a high p-value and a switch with a tiny one, for unequal sizes', () => {
    const same = chiSquareTwoSample([0.5, 0.5], [0.5, 0.5], 1000, 40);
    expect(same.statistic).toBeCloseTo(0, 12);
    expect(same.pValue).toBeCloseTo(1, 6);
    const switched = chiSquareTwoSample([1, 0], [0, 1], 1000, 40);
    expect(switched.pValue).toBeLessThan(1e-9);
  });

  it('sets the L∞ noise floor like KS', () => {
    expect(linfThreshold(100, 100, 0.05)).toBeCloseTo(1.3581 * Math.sqrt(0.02), 3);
  });
});

describe('categorical drift on high-cardinality features', () => {
  it('does not mistake a capped baseline summary for drift when the day is exact', () => {
    // 500 reference images over 60 camera models (more than the 32 tracked); a day of 25 from the same mix.
    let reference = emptyFrequentItems();
    let day = emptyFrequentItems();
    for (let i = 0; i < 500; i++) reference = addItem(reference, `model-${i % 60}`);
    for (let i = 0; i < 25; i++) day = addItem(day, `model-${(i * 7) % 60}`);
    expect(reference.maxError).toBeGreaterThan(0);
    const shares = alignedShares(reference, day);
    expect(linf(shares.baseline, shares.target, shares.slack)).toBeLessThan(0.1);
  });

  it('still sees a switch to one new camera model', () => {
    let reference = emptyFrequentItems();
    let day = emptyFrequentItems();
    for (let i = 0; i < 500; i++) reference = addItem(reference, `model-${i % 60}`);
    for (let i = 0; i < 25; i++) day = addItem(day, 'brand-new-camera');
    const shares = alignedShares(reference, day);
    expect(linf(shares.baseline, shares.target, shares.slack)).toBeGreaterThan(0.9);
  });
});
