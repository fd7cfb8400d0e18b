/**
 * Shared pieces of the detection evaluation (eval/detection.ts) and its smoke test: synthetic clean
 * and corrupted images → per-image features (through real JPEG encoding and sharp decoding), then
 * day profiles evaluated with the shipped monitors exactly as the nightly use case does.
 */
import { readFile } from 'node:fs/promises';
import { cropPhoto, encodeJpeg, SharpDecoder } from '../lambdas/adapters/sharp-codec.ts';
import { buildBaselines } from '../lambdas/core/drift/baselines.ts';
import { alignedShares } from '../lambdas/core/drift/categorical-distances.ts';
import { whylabsHellinger } from '../lambdas/core/drift/compare-profiles.ts';
import { evaluateMonitors } from '../lambdas/core/drift/evaluate-monitors.ts';
import type { MonitorConfig } from '../lambdas/core/drift/monitor-config.ts';
import { hellinger } from '../lambdas/core/drift/numeric-distances.ts';
import type { ImageFeatures } from '../lambdas/core/features/catalogue.ts';
import { extractFeatures } from '../lambdas/core/features/extract-features.ts';
import type { DecodedImage } from '../lambdas/core/image/decoded-image.ts';
import {
  addImage,
  type DatasetProfile,
  emptyProfile,
} from '../lambdas/core/profile/dataset-profile.ts';
import { SeededRandom } from '../lambdas/core/sketches/random.ts';
import { CORRUPTIONS } from '../lambdas/scenario/corruptions.ts';
import { syntheticPhoto } from '../lambdas/scenario/synthetic-photo.ts';

export const JPEG_QUALITY = 90;
const decoder = new SharpDecoder();

export interface ImageSize {
  readonly width: number;
  readonly height: number;
  /** Natural photographs to cut clean images from (eval/natural-photos.ts); synthetic when absent. */
  readonly photos?: readonly string[] | undefined;
}

/** Features of one image after a real JPEG round trip, as a camera upload would be profiled. */
export async function featuresOf(image: DecodedImage): Promise<ImageFeatures> {
  const decoded = await decoder.decode(await encodeJpeg(image, JPEG_QUALITY));
  if (!decoded.ok) throw new Error(`synthetic image did not decode: ${decoded.detail}`);
  return extractFeatures(decoded.image, decoded.container);
}

export async function cleanImage(size: ImageSize, seed: number): Promise<DecodedImage> {
  const random = new SeededRandom(seed);
  if (!size.photos?.length)
    return syntheticPhoto(size.width, size.height, seed, random.next() < 0.5 ? 'cat' : 'dog');
  // A random view of a random photograph: any part of it, spanning 20–100% of its width.
  const photo = size.photos[Math.floor(random.next() * size.photos.length)] as string;
  const place = { x: random.next(), y: random.next(), span: 0.2 + 0.8 * random.next() };
  return cropPhoto(await photoBytes(photo), place, size.width, size.height);
}

const photoCache = new Map<string, Promise<Buffer>>();
const photoBytes = (file: string) => {
  let bytes = photoCache.get(file);
  if (!bytes) {
    bytes = readFile(file);
    photoCache.set(file, bytes);
  }
  return bytes;
};

export async function cleanFeatures(
  size: ImageSize,
  seeds: readonly number[],
  onImage?: () => void,
): Promise<ImageFeatures[]> {
  const out: ImageFeatures[] = [];
  for (const seed of seeds) {
    out.push(await featuresOf(await cleanImage(size, seed)));
    onImage?.();
  }
  return out;
}

export type Variant = 'severity3' | 'severity1' | 'severity3-25' | 'severity3-half';
export const VARIANTS: readonly Variant[] = [
  'severity3',
  'severity1',
  'severity3-25',
  'severity3-half',
];

/**
 * Corrupted day features for one corruption: 100 fresh clean images, corrupted at severity 3 (all),
 * severity 1 (all), severity 3 for the first 25, and severity 3 for every other image (50%).
 */
export async function corruptedFeatures(
  size: ImageSize,
  corruption: string,
  seeds: readonly number[],
  onImage?: () => void,
): Promise<Record<Variant, ImageFeatures[]>> {
  const spec = CORRUPTIONS[corruption];
  if (!spec) throw new Error(`unknown corruption ${corruption}`);
  const out: Record<Variant, ImageFeatures[]> = {
    severity3: [],
    severity1: [],
    'severity3-25': [],
    'severity3-half': [],
  };
  for (const [i, seed] of seeds.entries()) {
    const clean = await cleanImage(size, seed);
    const sev3 = await featuresOf(await spec.severity3(clean, seed));
    out.severity3.push(sev3);
    out.severity1.push(await featuresOf(await spec.severity1(clean, seed)));
    if (i < 25) out['severity3-25'].push(sev3);
    out['severity3-half'].push(i % 2 === 0 ? sev3 : await featuresOf(clean));
    onImage?.();
  }
  return out;
}

export function dayProfile(features: readonly ImageFeatures[], day: string): DatasetProfile {
  const profile = emptyProfile({ dataset: 'eval', window: { start: day, end: day } });
  for (const [i, f] of features.entries()) addImage(profile, `${day}/img_${i}.jpg`, f);
  return profile;
}

/** Draws `n` distinct items from the pool. */
export function sample<T>(pool: readonly T[], n: number, random: SeededRandom): T[] {
  const indices = new Set<number>();
  while (indices.size < Math.min(n, pool.length))
    indices.add(Math.floor(random.next() * pool.length));
  return [...indices].map((i) => pool[i] as T);
}

export interface DayVerdict {
  readonly alerted: boolean;
  readonly driftFeatures: readonly string[];
  /**
   * WhyLabs' default on the same baselines: whylogs' image features only, Hellinger on 30
   * equal-width bins > 0.7 (frequent-items Hellinger for the colorspace).
   */
  readonly whylabs: boolean;
}

/** The features whylogs' log_image produces (Pillow semantics), which WhyLabs monitors by default. */
export const WHYLOGS_FEATURES = [
  'hue.mean',
  'hue.stddev',
  'saturation.mean',
  'saturation.stddev',
  'brightness.mean',
  'brightness.stddev',
  'entropy',
  'width',
  'height',
];

/** Judges one day against the reference and the trailing days, as the nightly use case does. */
export function judgeDay(
  config: MonitorConfig,
  day: DatasetProfile,
  reference: DatasetProfile,
  trailing: readonly { profile: DatasetProfile; alerted: boolean }[],
): DayVerdict {
  const baselines = buildBaselines({
    day: 'day_999999',
    history: trailing.map((t, i) => ({
      day: `day_${i}`,
      profile: t.profile,
      driftAlerted: t.alerted,
    })),
    reference,
    trailingDays: config.baselines.trailingDays,
    excludeAlertedDays: config.baselines.excludeAlertedDays,
  });
  const fired = evaluateMonitors(config, day, baselines).filter((r) => r.fired);
  let whylabs = false;
  for (const base of [baselines.reference, baselines.trailing]) {
    if (!base) continue;
    for (const feature of WHYLOGS_FEATURES) {
      const column = day.numeric.get(feature);
      const b = base.numeric.get(feature);
      if (!column) continue;
      if (
        b &&
        b.moments.count > 0 &&
        column.moments.count > 0 &&
        whylabsHellinger(b.sketch, column.sketch) > 0.7
      )
        whylabs = true;
    }
  }
  for (const base of [baselines.reference, baselines.trailing]) {
    const b = base?.categorical.get('colorspace');
    const t = day.categorical.get('colorspace');
    if (b && t && b.items.total > 0 && t.items.total > 0) {
      const shares = alignedShares(b.items, t.items);
      if (hellinger(shares.baseline, shares.target) > 0.7) whylabs = true;
    }
  }
  return {
    alerted: fired.length > 0,
    driftFeatures: [
      ...new Set(fired.map((r) => r.feature).filter((f): f is string => f !== undefined)),
    ],
    whylabs,
  };
}
