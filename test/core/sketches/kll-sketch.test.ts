import { describe, expect, it } from 'vitest';
import { maxRankError } from '../../../eval/rank-error.ts';
import {
  KLL_RANK_ERROR,
  KllSketch,
  rankErrorOf,
} from '../../../lambdas/core/sketches/kll-sketch.ts';
import { SeededRandom } from '../../../lambdas/core/sketches/random.ts';
import { normal } from '../../helpers/images.ts';

const DISTRIBUTIONS: Record<string, (r: SeededRandom) => number> = {
  uniform: (r) => r.next(),
  normal: (r) => normal(r),
  lognormal: (r) => Math.exp(2 * normal(r)),
};

const sample = (n: number, draw: (r: SeededRandom) => number, seed: number) => {
  const random = new SeededRandom(seed);
  return Float64Array.from({ length: n }, () => Math.fround(draw(random)));
};

describe('KllSketch', () => {
  it('is empty with NaN answers before any update', () => {
    const sketch = new KllSketch();
    expect(sketch.isEmpty()).toBe(true);
    expect(sketch.n).toBe(0);
    expect(sketch.quantile(0.5)).toBeNaN();
    expect(sketch.rank(1)).toBeNaN();
  });

  it('answers every quantile with the single item it holds', () => {
    const sketch = new KllSketch();
    sketch.update(42);
    expect([sketch.quantile(0), sketch.quantile(0.5), sketch.quantile(1)]).toEqual([42, 42, 42]);
    expect([sketch.min, sketch.max, sketch.rank(41), sketch.rank(42)]).toEqual([42, 42, 0, 1]);
  });

  it('ignores NaN and infinities', () => {
    const sketch = new KllSketch();
    for (const x of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1])
      sketch.update(x);
    expect(sketch.n).toBe(1);
  });

  it('is exact until it holds more than k items', () => {
    const sketch = new KllSketch(100);
    for (let i = 100; i >= 1; i--) sketch.update(i);
    expect(sketch.isEstimationMode()).toBe(false);
    expect(rankErrorOf(sketch)).toBe(0);
    expect(sketch.quantile(0.25)).toBe(25);
    expect(sketch.rank(60)).toBe(0.6);
  });

  it('rejects a k outside its range and a rank outside [0, 1]', () => {
    expect(() => new KllSketch(4)).toThrow(RangeError);
    const sketch = new KllSketch();
    sketch.update(1);
    expect(() => sketch.quantile(1.5)).toThrow(/rank must be in/);
  });

  it.each(Object.keys(DISTRIBUTIONS))(
    'keeps the 1st..99th percentile rank error within KLL_RANK_ERROR for 10^6 %s values',
    (name) => {
      const values = sample(1_000_000, DISTRIBUTIONS[name] as (r: SeededRandom) => number, 11);
      const sketch = new KllSketch(undefined, 5);
      for (const x of values) sketch.update(x);
      expect(sketch.isEstimationMode()).toBe(true);
      expect(maxRankError(sketch, values.slice().sort())).toBeLessThanOrEqual(KLL_RANK_ERROR);
    },
  );

  it('keeps the error bound when 1,000 sketches of 1,000 values are merged', () => {
    const values = sample(1_000_000, DISTRIBUTIONS.normal as (r: SeededRandom) => number, 12);
    const merged = new KllSketch(undefined, 1);
    for (let s = 0; s < 1000; s++) {
      const part = new KllSketch(undefined, 1000 + s);
      for (let i = s * 1000; i < (s + 1) * 1000; i++) part.update(values[i] as number);
      merged.merge(part);
    }
    expect(merged.n).toBe(1_000_000);
    const sorted = values.slice().sort();
    expect(merged.min).toBe(sorted[0]);
    expect(merged.max).toBe(sorted[sorted.length - 1]);
    expect(maxRankError(merged, sorted)).toBeLessThanOrEqual(KLL_RANK_ERROR);
  });

  it('gives identical state for the same seed and input order', () => {
    const values = sample(50_000, DISTRIBUTIONS.uniform as (r: SeededRandom) => number, 3);
    const build = (seed: number) => {
      const sketch = new KllSketch(undefined, seed);
      for (const x of values) sketch.update(x);
      return sketch.toState();
    };
    expect(build(9)).toEqual(build(9));
    expect(build(9)).not.toEqual(build(10));
  });

  it('continues exactly where it left off after a state round trip', () => {
    const values = sample(20_000, DISTRIBUTIONS.lognormal as (r: SeededRandom) => number, 4);
    const straight = new KllSketch(undefined, 7);
    const resumed = new KllSketch(undefined, 7);
    values.forEach((x, i) => {
      straight.update(x);
      if (i < 10_000) resumed.update(x);
    });
    const restored = KllSketch.fromState(resumed.toState());
    for (const x of values.subarray(10_000)) restored.update(x);
    expect(restored.toState()).toEqual(straight.toState());
  });

  it('stays within the bound of the smaller k when sketches of different k merge', () => {
    const values = sample(200_000, DISTRIBUTIONS.uniform as (r: SeededRandom) => number, 8);
    const a = new KllSketch(200, 1);
    const b = new KllSketch(100, 2);
    for (const [i, x] of values.entries()) (i % 2 ? a : b).update(x);
    a.merge(b);
    expect(a.n).toBe(values.length);
    expect(maxRankError(a, values.slice().sort())).toBeLessThanOrEqual(KLL_RANK_ERROR);
  });
});
