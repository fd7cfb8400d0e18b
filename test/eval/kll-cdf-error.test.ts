import { describe, expect, it } from 'vitest';
import { maxCdfError } from '../../eval/rank-error.ts';
import {
  DEFAULT_KLL_K,
  KLL_RANK_ERROR,
  KllSketch,
} from '../../lambdas/core/sketches/kll-sketch.ts';
import { SeededRandom } from '../../lambdas/core/sketches/random.ts';

const sketchOf = (values: Float64Array, seed: number) => {
  const sketch = new KllSketch(DEFAULT_KLL_K, seed);
  for (const x of values) sketch.update(x);
  return sketch;
};

/** sup_x |rank(x) − F(x)| by brute force: both one-sided limits at every input value. */
function bruteForceCdfError(sketch: KllSketch, values: Float64Array): number {
  const n = values.length;
  let worst = 0;
  for (const x of new Set(values)) {
    const atOrBelow = values.filter((v) => v <= x).length / n;
    const below = values.filter((v) => v < x).length / n;
    const { items, cumulative } = sketch.view();
    let rankBelow = 0;
    for (let i = 0; i < items.length && (items[i] as number) < x; i++)
      rankBelow = (cumulative[i] as number) / n;
    worst = Math.max(worst, Math.abs(sketch.rank(x) - atOrBelow), Math.abs(rankBelow - below));
  }
  return worst;
}

describe('maxCdfError (the rank error KS inherits)', () => {
  it('equals the brute-force supremum over every x, ties included', () => {
    const random = new SeededRandom(5);
    const values = Float64Array.from({ length: 3000 }, () => Math.floor(random.next() * 400) / 7);
    const sketch = sketchOf(values, 9);
    values.sort();
    expect(maxCdfError(sketch, values)).toBeCloseTo(bruteForceCdfError(sketch, values), 12);
  });

  it('stays within KLL_RANK_ERROR on a few streamed sketches (smoke subset of eval/kll-accuracy.ts)', () => {
    for (let t = 0; t < 3; t++) {
      const random = new SeededRandom(400 + t);
      const values = Float64Array.from({ length: 200_000 }, () => Math.fround(random.next()));
      const sketch = sketchOf(values, t + 1);
      expect(maxCdfError(sketch, values.sort())).toBeLessThanOrEqual(KLL_RANK_ERROR);
    }
  });
});
