import { describe, expect, it } from 'vitest';
import { type NullDay, overdispersedK } from '../../../lambdas/core/drift/day-variation.ts';
import { ksStatistic } from '../../../lambdas/core/drift/numeric-distances.ts';
import { KllSketch } from '../../../lambdas/core/sketches/kll-sketch.ts';
import { SeededRandom } from '../../../lambdas/core/sketches/random.ts';
import { normal } from '../../helpers/images.ts';

const sketchOf = (values: readonly number[]) => {
  const s = new KllSketch(128, 1);
  for (const v of values) s.update(v);
  return s;
};

describe('overdispersedK', () => {
  const day = (random: SeededRandom, shift: number, n: number) =>
    Array.from({ length: n }, () => shift + normal(random));

  it('sees nothing beyond sampling noise in independent days', () => {
    // 200 sets of 5 independent days against a 500-image baseline: the gate must almost never open.
    const random = new SeededRandom(3);
    let opened = 0;
    for (let trial = 0; trial < 200; trial++) {
      const baseline = sketchOf(day(random, 0, 500));
      const nulls: NullDay[] = Array.from({ length: 5 }, () => {
        const s = sketchOf(day(random, 0, 100));
        return { d: ksStatistic(baseline, s), n: 100, m: 500, error: 0 };
      });
      if (overdispersedK(nulls) !== undefined) opened++;
    }
    expect(opened).toBeLessThanOrEqual(1);
  });

  it('measures day-to-day shifts far beyond sampling noise', () => {
    const random = new SeededRandom(4);
    const baseline = sketchOf(day(random, 0, 500));
    const nulls: NullDay[] = [-0.8, 0.5, 0.9, -0.4].map((shift) => ({
      d: ksStatistic(baseline, sketchOf(day(random, shift, 200))),
      n: 200,
      m: 500,
      error: 0,
    }));
    expect(overdispersedK(nulls)).toBeGreaterThan(2);
  });

  it('needs at least two days', () => {
    expect(overdispersedK([{ d: 0.9, n: 100, m: 100, error: 0 }])).toBeUndefined();
  });
});
