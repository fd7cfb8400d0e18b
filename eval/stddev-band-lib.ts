import { stddevBandDecision } from '../lambdas/core/drift/prediction-band.ts';
import { SeededRandom } from '../lambdas/core/sketches/random.ts';

/** A standard normal draw (Box–Muller). */
function gaussian(random: SeededRandom): number {
  const u = 1 - random.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.next());
}

export interface BandFalseAlarms {
  /** Share of no-change days the stddev-band rule fires on. */
  readonly rate: number;
  /** Share the old rule (|x − x̄| > sigmas·s, σ taken as known) fired on. */
  readonly knownSigmaRate: number;
}

/**
 * No-change false-alarm rate of the stddev-band rule: `trials` days, each with `days` trailing
 * values and today's value all drawn from one normal distribution.
 */
export function bandFalseAlarms(
  days: number,
  sigmas: number,
  trials: number,
  seed: number,
): BandFalseAlarms {
  const random = new SeededRandom(seed);
  const history = new Array<number>(days);
  let fired = 0;
  let knownSigmaFired = 0;
  for (let t = 0; t < trials; t++) {
    for (let i = 0; i < days; i++) history[i] = gaussian(random);
    const decision = stddevBandDecision(history, gaussian(random), sigmas);
    if (decision.fired) fired++;
    if (decision.distance > sigmas) knownSigmaFired++;
  }
  return { rate: fired / trials, knownSigmaRate: knownSigmaFired / trials };
}
