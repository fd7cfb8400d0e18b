/**
 * `npm run bench:passes`: CPU time per image of each JS feature pass on already decoded pixels, to
 * see where profiling time goes. Passes are timed in interleaved batches and the best batch of each
 * is kept, which on a shared machine is the figure least disturbed by other processes.
 *
 *   npx tsx bench/feature-passes.ts [--images 40] [--width 500 --height 375]
 */
import sharp from 'sharp';
import { numberOption } from '../eval/options.ts';
import { encodeJpeg, SharpDecoder } from '../lambdas/adapters/sharp-codec.ts';
import { colourPass } from '../lambdas/core/features/colour-pass.ts';
import { extractFeatures } from '../lambdas/core/features/extract-features.ts';
import { textureFeatures } from '../lambdas/core/features/texture-pass.ts';
import type { Decoded } from '../lambdas/core/image/decoded-image.ts';
import { syntheticPhoto } from '../lambdas/scenario/synthetic-photo.ts';

const args = process.argv.slice(2);
const IMAGES = numberOption(args, 'images', 40);
const WIDTH = numberOption(args, 'width', 500);
const HEIGHT = numberOption(args, 'height', 375);
const BATCH = 8;
const ROUNDS = 40;

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const decoder = new SharpDecoder();
const jpegs: Uint8Array[] = [];
const decoded: Decoded[] = [];
for (let i = 0; i < IMAGES; i++) {
  const jpeg = await encodeJpeg(
    syntheticPhoto(WIDTH, HEIGHT, 900_000 + i, i % 2 ? 'cat' : 'dog'),
    90,
  );
  const d = await decoder.decode(jpeg);
  if (!d.ok) throw new Error(d.detail);
  jpegs.push(jpeg);
  decoded.push(d);
}
const lumas = decoded.map((d) => colourPass(d.image).luma);

const passes: [string, (i: number) => unknown][] = [
  ['colour pass (histograms, luma plane)', (i) => colourPass(decoded[i]!.image)],
  [
    'texture pass (steps, isolated, Laplacian, noise)',
    (i) => textureFeatures(lumas[i]!, WIDTH, HEIGHT),
  ],
  [
    'extractFeatures (all of the above)',
    (i) => extractFeatures(decoded[i]!.image, decoded[i]!.container),
  ],
];
const best = passes.map(() => Number.POSITIVE_INFINITY);
let decodeBest = Number.POSITIVE_INFINITY;
for (let round = 0; round < ROUNDS; round++) {
  const start = (round * BATCH) % IMAGES;
  const batch = Array.from({ length: BATCH }, (_, k) => (start + k) % IMAGES);
  for (const [p, [, pass]] of passes.entries()) {
    const t = cpuMs();
    for (const i of batch) pass(i);
    best[p] = Math.min(best[p] as number, (cpuMs() - t) / BATCH);
  }
  const t = cpuMs();
  for (const i of batch) await sharp(jpegs[i]!).raw().toBuffer();
  decodeBest = Math.min(decodeBest, (cpuMs() - t) / BATCH);
}
console.log(
  `${IMAGES} synthetic ${WIDTH}×${HEIGHT} JPEGs, CPU ms per image (best batch of ${BATCH})`,
);
for (const [p, [name]] of passes.entries())
  console.log(
    `${name.padEnd(50)} ${(best[p] as number).toFixed(3)} ms  ${((best[p] as number) / decodeBest).toFixed(2)}× decode`,
  );
console.log(`${'bare sharp decode to raw'.padEnd(50)} ${decodeBest.toFixed(3)} ms`);
