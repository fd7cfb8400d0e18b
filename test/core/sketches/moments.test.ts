import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addValue,
  EMPTY_MOMENTS,
  mergeMoments,
  stddev,
  variance,
} from '../../../lambdas/core/sketches/moments.ts';

const of = (xs: readonly number[]) => xs.reduce(addValue, EMPTY_MOMENTS);
const finite = fc.double({ min: -1e6, max: 1e6, noNaN: true });

describe('moments', () => {
  it('is undefined for variance and stddev when empty', () => {
    expect(variance(EMPTY_MOMENTS)).toBeUndefined();
    expect(stddev(EMPTY_MOMENTS)).toBeUndefined();
  });

  it('matches the two-pass population mean and variance', () => {
    const xs = [2, 4, 4, 4, 5, 5, 7, 9];
    const m = of(xs);
    expect(m.mean).toBe(5);
    expect(variance(m)).toBe(4);
    expect([m.min, m.max, m.count]).toEqual([2, 9, 8]);
  });

  it('merges two halves into the moments of the whole (Chan)', () => {
    fc.assert(
      fc.property(
        fc.array(finite, { maxLength: 50 }),
        fc.array(finite, { maxLength: 50 }),
        (a, b) => {
          const merged = mergeMoments(of(a), of(b));
          const whole = of([...a, ...b]);
          expect(merged.count).toBe(whole.count);
          expect(merged.min).toBe(whole.min);
          expect(merged.max).toBe(whole.max);
          const scale = Math.max(1, Math.abs(whole.mean));
          expect(Math.abs(merged.mean - whole.mean)).toBeLessThanOrEqual(1e-9 * scale);
          expect(Math.abs(merged.m2 - whole.m2)).toBeLessThanOrEqual(1e-9 * Math.max(1, whole.m2));
        },
      ),
    );
  });
});
