/**
 * KLL accuracy trials (foundation issue): for n = 10^6 values from three distributions, at the
 * default k over 100 seeded trials each, streamed one value at a time and as 1,000 merged sketches
 * of 1,000 values (how a night's profile is built from partials):
 *  - quantile error: max over the 1st..99th percentiles of |F(quantile(p)) − p|;
 *  - CDF error: max over every x of |rank(x) − F(x)|, the error KS's D inherits (its threshold
 *    adds KLL_RANK_ERROR per sketch, so this is the bound that must hold).
 * Prints both, how many trials stay within KLL_RANK_ERROR, and serialized sizes; exits 1 when the
 * CDF error exceeds the bound in more than 1 trial in 100.
 *
 *   npx tsx eval/kll-accuracy.ts [--trials 100]
 */

import { DEFAULT_KLL_K, KLL_RANK_ERROR, KllSketch } from '../lambdas/core/sketches/kll-sketch.ts';
import { SeededRandom } from '../lambdas/core/sketches/random.ts';
import { maxCdfError, maxRankError } from './rank-error.ts';

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

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

function describe(errors: readonly number[]) {
  const sorted = [...errors].sort((a, b) => a - b);
  const within = errors.filter((e) => e <= KLL_RANK_ERROR).length;
  const p99 = sorted[Math.floor(sorted.length * 0.99)] ?? (sorted.at(-1) as number);
  return {
    within,
    text: `within ${pct(KLL_RANK_ERROR)}: ${within}/${errors.length}, median ${pct(sorted[Math.floor(sorted.length / 2)] as number)}, p99 ${pct(p99)}, worst ${pct(sorted.at(-1) as number)}`,
  };
}

/** One table row; true when the CDF error (what KS uses) is within the bound in ≥ 99% of trials. */
function summarize(
  name: string,
  quantileErrors: number[],
  cdfErrors: number[],
  sizes: number[],
): boolean {
  const quantile = describe(quantileErrors);
  const cdf = describe(cdfErrors);
  console.log(
    `| ${name} | ${quantileErrors.length} | ${quantile.text} | ${cdf.text} | ${Math.max(...sizes)} B |`,
  );
  return cdf.within >= Math.ceil(0.99 * cdfErrors.length);
}

console.log(
  `KLL k = ${DEFAULT_KLL_K}, n = ${N.toLocaleString()}, bound KLL_RANK_ERROR = ${KLL_RANK_ERROR}`,
);
console.log(
  '| input | trials | quantile error (1st..99th percentile) | CDF error, all x (KS) | size |\n|---|---|---|---|---|',
);
let ok = true;
for (const [name, draw] of Object.entries(distributions)) {
  const quantileErrors: number[] = [];
  const cdfErrors: number[] = [];
  const sizes: number[] = [];
  for (let t = 0; t < trials; t++) {
    const random = new SeededRandom(1000 * t + name.length);
    const values = Float64Array.from({ length: N }, () => Math.fround(draw(random)));
    const sketch = new KllSketch(DEFAULT_KLL_K, t + 1);
    for (const x of values) sketch.update(x);
    values.sort();
    quantileErrors.push(maxRankError(sketch, values));
    cdfErrors.push(maxCdfError(sketch, values));
    sizes.push(serializedBytes(sketch));
  }
  ok = summarize(name, quantileErrors, cdfErrors, sizes) && ok;
}
{
  const quantileErrors: number[] = [];
  const cdfErrors: number[] = [];
  const sizes: number[] = [];
  for (let t = 0; t < trials; t++) {
    const random = new SeededRandom(77 + t);
    const values = Float64Array.from({ length: N }, () => Math.fround(gaussian(random)));
    const merged = new KllSketch(DEFAULT_KLL_K, t);
    for (let s = 0; s < 1000; s++) {
      const part = new KllSketch(DEFAULT_KLL_K, 10_000 + s);
      for (let i = s * 1000; i < (s + 1) * 1000; i++) part.update(values[i] as number);
      merged.merge(part);
    }
    values.sort();
    quantileErrors.push(maxRankError(merged, values));
    cdfErrors.push(maxCdfError(merged, values));
    sizes.push(serializedBytes(merged));
  }
  ok = summarize('normal, 1000×1000 merged', quantileErrors, cdfErrors, sizes) && ok;
}
if (!ok) process.exitCode = 1;
