import { upperRegularizedGamma } from './incomplete-gamma.ts';

/**
 * P(Z > z) for a standard normal Z, z ≥ 0, as ½·erfc(z/√2) = ½·Q(½, z²/2) (Abramowitz & Stegun
 * 7.1.2 and 6.5.17): full relative precision far into the tail, where 1 − Φ(z) would cancel.
 */
export function normalUpperTail(z: number): number {
  if (z < 0) return 1 - normalUpperTail(-z);
  return 0.5 * upperRegularizedGamma(0.5, (z * z) / 2);
}
