/**
 * KLL accuracy trials (foundation issue): for n = 10^6 values from three distributions, the maximum
 * normalized rank error over the 1st..99th percentiles at the default k, over 100 seeded trials
 * each; plus 1,000 merged sketches of 1,000 values. Prints the observed errors and serialized sizes.
 *
 *   npx tsx eval/kll-accuracy.ts [--trials 100]
 */

import { DEFAULT_KLL_K, KLL_RANK_ERROR, KllSketch } from '../lambdas/core/sketches/kll-sketch.ts';
import { SeededRandom } from '../lambdas/core/sketches/random.ts';
import { maxRankError } from './rank-error.ts';

const trials = Number(process.argv[process.argv.indexOf('--trials') + 1]) || 100;
const N = 1_000_000;

const gaussian = (r: SeededRandom) =>
  Math.sqrt(-2 * Math.log(1 - r.next())) * Math.cos(2 * Math.PI * r.next());
const distributions: Record<string, (r: SeededRandom) => number> = {
  uniform: (r) => r.next(),
  normal: gaussian,
  lognormal: (r) => Math.exp(2 * gaussian(r)),
};

const serializedBytes = (s: KllSketch) => {
  const state = s.toState();
  // Matches the profile codec: k, n, seed, min, max, level sizes (~1 B each) and float32 items.
  return 2 + 4 + 4 + 8 + 1 + state.levels.length + 4 * s.numRetained;
};

function summarize(name: string, errors: number[], sizes: number[]) {
  const sorted = [...errors].sort((a, b) => a - b);
  const within = errors.filter((e) => e <= KLL_RANK_ERROR).length;
  const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
  console.log(
    `${name.padEnd(22)} trials ${errors.length}  within ${pct(KLL_RANK_ERROR)}: ${within}/${errors.length}  ` +
      `median ${pct(sorted[Math.floor(sorted.length / 2)] as number)}  p99 ${pct(sorted[Math.floor(sorted.length * 0.99)] ?? (sorted.at(-1) as number))}  ` +
      `worst ${pct(sorted.at(-1) as number)}  size ≈ ${Math.max(...sizes)} B`,
  );
  return within;
}

console.log(
  `KLL k = ${DEFAULT_KLL_K}, n = ${N.toLocaleString()}, bound KLL_RANK_ERROR = ${KLL_RANK_ERROR}`,
);
let ok = true;
for (const [name, draw] of Object.entries(distributions)) {
  const errors: number[] = [];
  const sizes: number[] = [];
  for (let t = 0; t < trials; t++) {
    const random = new SeededRandom(1000 * t + name.length);
    const values = Float64Array.from({ length: N }, () => Math.fround(draw(random)));
    const sketch = new KllSketch(DEFAULT_KLL_K, t + 1);
    for (const x of values) sketch.update(x);
    errors.push(maxRankError(sketch, values.sort()));
    sizes.push(serializedBytes(sketch));
  }
  ok = summarize(name, errors, sizes) >= Math.ceil(0.99 * trials) && ok;
}
{
  const errors: number[] = [];
  const sizes: number[] = [];
  for (let t = 0; t < Math.max(1, Math.floor(trials / 10)); t++) {
    const random = new SeededRandom(77 + t);
    const values = Float64Array.from({ length: N }, () => Math.fround(gaussian(random)));
    const merged = new KllSketch(DEFAULT_KLL_K, t);
    for (let s = 0; s < 1000; s++) {
      const part = new KllSketch(DEFAULT_KLL_K, 10_000 + s);
      for (let i = s * 1000; i < (s + 1) * 1000; i++) part.update(values[i] as number);
      merged.merge(part);
    }
    errors.push(maxRankError(merged, values.sort()));
    sizes.push(serializedBytes(merged));
  }
  ok =
    summarize('normal, 1000×1000 merged', errors, sizes) >= Math.ceil(0.99 * errors.length) && ok;
}
if (!ok) process.exitCode = 1;
