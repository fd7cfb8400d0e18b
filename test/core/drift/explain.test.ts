import { describe, expect, it } from 'vitest';
import { relativeStrength } from '../../../lambdas/core/drift/explain.ts';

describe('relativeStrength', () => {
  it('calls a camera whose files shrank 22% beyond its peers a clear move, not a slight one', () => {
    expect(relativeStrength(Math.log(0.78))).toBe('clearly');
  });

  it('grades the relative change, the same way up and down', () => {
    expect(relativeStrength(Math.log(0.88))).toBe('slightly');
    expect(relativeStrength(Math.log(1.12))).toBe('slightly');
    expect(relativeStrength(Math.log(1.25))).toBe('clearly');
    expect(relativeStrength(Math.log(0.45))).toBe('sharply');
    expect(relativeStrength(Math.log(1.6))).toBe('sharply');
  });
});
