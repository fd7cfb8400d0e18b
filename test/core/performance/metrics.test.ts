import { describe, expect, it } from 'vitest';
import { addPair, mergeMatrices } from '../../../lambdas/core/performance/confusion-matrix.ts';
import { performanceMetrics, wilsonInterval } from '../../../lambdas/core/performance/metrics.ts';

describe('performance metrics', () => {
  // truth cat: 40 predicted cat, 10 predicted dog; truth dog: 5 predicted cat, 45 predicted dog
  const matrix = { cat: { cat: 40, dog: 10 }, dog: { cat: 5, dog: 45 } };

  it('computes accuracy, per-class precision/recall/F1 and macro/weighted F1 by hand', () => {
    const m = performanceMetrics(matrix, { seed: 1 });
    expect(m.labelled).toBe(100);
    expect(m.accuracy).toBeCloseTo(0.85, 12);
    const cat = m.perClass.find((c) => c.label === 'cat');
    const dog = m.perClass.find((c) => c.label === 'dog');
    expect(cat).toMatchObject({ support: 50, precision: 40 / 45, recall: 0.8 });
    expect(dog).toMatchObject({ support: 50, precision: 45 / 55, recall: 0.9 });
    const f1 = (p: number, r: number) => (2 * p * r) / (p + r);
    expect(cat?.f1).toBeCloseTo(f1(40 / 45, 0.8), 12);
    expect(m.macroF1).toBeCloseTo((f1(40 / 45, 0.8) + f1(45 / 55, 0.9)) / 2, 12);
    expect(m.weightedF1).toBeCloseTo(m.macroF1 as number, 12);
  });

  it('gives Wilson intervals that contain the estimate and match the textbook value', () => {
    // 85/100: Wilson 95% interval ≈ [0.7672, 0.9069]
    const interval = wilsonInterval(85, 100);
    expect(interval?.low).toBeCloseTo(0.7672, 3);
    expect(interval?.high).toBeCloseTo(0.9069, 3);
    expect(wilsonInterval(0, 0)).toBeUndefined();
    expect(wilsonInterval(0, 10)?.low).toBe(0);
  });

  it('bootstraps a macro-F1 interval around the estimate, reproducibly for a seed', () => {
    const a = performanceMetrics(matrix, { seed: 3 }).macroF1Interval;
    const b = performanceMetrics(matrix, { seed: 3 }).macroF1Interval;
    const f1 = performanceMetrics(matrix).macroF1 as number;
    expect(a).toEqual(b);
    expect(a?.low).toBeLessThan(f1);
    expect(a?.high).toBeGreaterThan(f1);
  });

  it('merges confusion matrices by addition', () => {
    const day1 = {};
    addPair(day1, 'cat', 'dog');
    const merged = mergeMatrices(matrix, day1);
    expect(merged).toEqual({ cat: { cat: 40, dog: 11 }, dog: { cat: 5, dog: 45 } });
    expect(performanceMetrics({}).accuracy).toBeUndefined();
  });
});
