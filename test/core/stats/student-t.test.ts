import { describe, expect, it } from 'vitest';
import {
  incompleteBeta,
  studentTQuantile,
  studentTUpperTail,
} from '../../../lambdas/core/stats/student-t.ts';

describe('Student t', () => {
  it('matches published critical values', () => {
    // Table values (e.g. NIST/SEMATECH e-Handbook 1.3.6.7.2): t_{0.975}(1), t_{0.975}(10), t_{0.995}(3), t_{0.9995}(7)
    expect(studentTQuantile(0.025, 1)).toBeCloseTo(12.706, 3);
    expect(studentTQuantile(0.025, 10)).toBeCloseTo(2.228, 3);
    expect(studentTQuantile(0.005, 3)).toBeCloseTo(5.841, 3);
    expect(studentTQuantile(0.0005, 7)).toBeCloseTo(5.408, 3);
  });

  it('approaches the normal quantile for many degrees of freedom', () => {
    expect(studentTQuantile(0.025, 1e6)).toBeCloseTo(1.95996, 4);
  });

  it('inverts its own tail and has the Cauchy tail at one degree of freedom', () => {
    for (const t of [0.3, 1, 4, 20]) {
      expect(studentTUpperTail(t, 1)).toBeCloseTo(0.5 - Math.atan(t) / Math.PI, 12);
      expect(studentTQuantile(studentTUpperTail(t, 6), 6)).toBeCloseTo(t, 8);
    }
  });

  it('has the incomplete beta symmetry I_x(a, b) = 1 − I_{1−x}(b, a)', () => {
    expect(incompleteBeta(0.3, 2.5, 4) + incompleteBeta(0.7, 4, 2.5)).toBeCloseTo(1, 12);
    expect(incompleteBeta(0.5, 1, 1)).toBeCloseTo(0.5, 12);
  });

  it('refuses probabilities outside (0, 0.5) and non-positive degrees of freedom', () => {
    expect(() => studentTQuantile(0.6, 3)).toThrow(RangeError);
    expect(() => studentTQuantile(0.01, 0)).toThrow(RangeError);
  });
});
