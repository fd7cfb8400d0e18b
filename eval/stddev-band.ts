/**
 * `npm run eval` part: the stddev-band monitor's false-alarm rate with no change, by simulation,
 * against the nominal two-sided normal rate its `sigmas` names (3σ ↔ 0.27%).
 */
import { normalUpperTail } from '../lambdas/core/stats/normal.ts';
import { bandFalseAlarms } from './stddev-band-lib.ts';

const TRIALS = 1_000_000;
console.log(`stddev-band with no change: ${TRIALS.toLocaleString('en')} simulated days per row`);
console.log('| sigmas | trailing days | nominal | t prediction band | old rule (σ known) |');
console.log('|---|---|---|---|---|');
for (const sigmas of [2, 3]) {
  for (const days of [3, 7, 14]) {
    const { rate, knownSigmaRate } = bandFalseAlarms(days, sigmas, TRIALS, 1000 * sigmas + days);
    const pct = (x: number) => `${(100 * x).toFixed(3)}%`;
    console.log(
      `| ${sigmas} | ${days} | ${pct(2 * normalUpperTail(sigmas))} | ${pct(rate)} | ${pct(knownSigmaRate)} |`,
    );
  }
}
