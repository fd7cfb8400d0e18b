import { upperRegularizedGamma } from '../stats/incomplete-gamma.ts';

/**
 * Upper tail of the χ² distribution, Q(k/2, x/2), via the regularized incomplete gamma function.
 */
export function chiSquareSurvival(x: number, degreesOfFreedom: number): number {
  if (x <= 0) return 1;
  return upperRegularizedGamma(degreesOfFreedom / 2, x / 2);
}
