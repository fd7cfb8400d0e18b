/**
 * The inputs of the golden feature test: varied synthetic photographs, corrupted and encoded as
 * real files, decoded through the real sharp path. Everything is seeded, so the same bytes come out
 * on every run with the same sharp/libvips build.
 */
import sharp from 'sharp';
import { encodeJpeg, encodePng, SharpDecoder } from '../../lambdas/adapters/sharp-codec.ts';
import type { ImageFeatures } from '../../lambdas/core/features/catalogue.ts';
import { extractFeatures } from '../../lambdas/core/features/extract-features.ts';
import type { DecodedImage } from '../../lambdas/core/image/decoded-image.ts';
import {
  brightness,
  CAMERA_FAULT,
  type Corruption,
  colourCast,
  contrast,
  deadPixels,
  defocusBlur,
  gaussianNoise,
  greyscale,
  impulseNoise,
  jpegCompression,
  motionBlur,
  pixelate,
  saturate,
} from '../../lambdas/scenario/corruptions.ts';
import { syntheticPhoto } from '../../lambdas/scenario/synthetic-photo.ts';

interface GoldenCase {
  readonly name: string;
  readonly bytes: () => Promise<Uint8Array>;
}

const photo = (width: number, height: number, seed: number) =>
  syntheticPhoto(width, height, seed, seed % 2 ? 'cat' : 'dog');

const corruptedJpeg =
  (seed: number, corruption: Corruption, quality = 90) =>
  async () =>
    encodeJpeg(await corruption(photo(500, 375, seed), seed), quality);

/** Keeps one channel of an RGB image (the grey and grey-with-alpha cases). */
function firstChannel(image: DecodedImage): Uint8Array {
  const out = new Uint8Array(image.width * image.height);
  for (let i = 0; i < out.length; i++) out[i] = image.pixels[i * 3] as number;
  return out;
}

/** A horizontal alpha ramp appended to an image's samples (0 at the left, 255 at the right). */
function withAlpha(image: DecodedImage): DecodedImage {
  const channels = image.channels + 1;
  const pixels = new Uint8Array(image.width * image.height * channels);
  for (let i = 0; i < image.width * image.height; i++) {
    for (let c = 0; c < image.channels; c++)
      pixels[i * channels + c] = image.pixels[i * image.channels + c] as number;
    pixels[i * channels + image.channels] = Math.round((255 * (i % image.width)) / image.width);
  }
  return { ...image, channels: channels as DecodedImage['channels'], pixels };
}

/** An image of pure hues around the colour wheel, plus black, white and grey bands. */
function colourWheel(width: number, height: number): DecodedImage {
  const pixels = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 3;
      const band = Math.floor((4 * y) / height);
      const t = (6 * x) / width;
      const rise = Math.round(255 * (t % 1));
      const sextant = Math.floor(t);
      const rgb =
        band === 3
          ? [x % 256, x % 256, x % 256]
          : [
              [255, rise, 0],
              [255 - rise, 255, 0],
              [0, 255, rise],
              [0, 255 - rise, 255],
              [rise, 0, 255],
              [255, 0, 255 - rise],
            ][sextant]!.map((v) => (band === 0 ? v : band === 1 ? v >> 1 : 128 + (v >> 1)));
      pixels.set(rgb, p);
    }
  }
  return { width, height, channels: 3, pixels };
}

export const GOLDEN_CASES: readonly GoldenCase[] = [
  { name: 'clean cat, JPEG q90', bytes: async () => encodeJpeg(photo(500, 375, 101), 90) },
  { name: 'clean dog, PNG', bytes: async () => encodePng(photo(500, 375, 102)) },
  { name: 'pixelated', bytes: corruptedJpeg(103, pixelate(0.4)) },
  {
    name: 'dead pixels, PNG',
    bytes: async () => encodePng(await deadPixels(0.002)(photo(500, 375, 104), 104)),
  },
  { name: 'camera fault (pixelated + dead pixels)', bytes: corruptedJpeg(105, CAMERA_FAULT) },
  { name: 'gaussian noise', bytes: corruptedJpeg(106, gaussianNoise(0.18)) },
  {
    name: 'impulse noise, PNG',
    bytes: async () => encodePng(await impulseNoise(0.09)(photo(500, 375, 107), 107)),
  },
  { name: 'defocus blur', bytes: corruptedJpeg(108, defocusBlur(3)) },
  { name: 'motion blur', bytes: corruptedJpeg(109, motionBlur(10, 3)) },
  { name: 'JPEG q15', bytes: corruptedJpeg(110, jpegCompression(15)) },
  { name: 'dark', bytes: corruptedJpeg(111, brightness(-0.3)) },
  { name: 'overexposed', bytes: corruptedJpeg(112, brightness(0.3)) },
  { name: 'low contrast', bytes: corruptedJpeg(113, contrast(0.2)) },
  { name: 'saturated', bytes: corruptedJpeg(114, saturate(2)) },
  { name: 'colour cast', bytes: corruptedJpeg(115, colourCast(1.25, 0.8)) },
  { name: 'greyscale in RGB, JPEG', bytes: corruptedJpeg(116, greyscale()) },
  {
    name: 'grey, 1-channel PNG',
    bytes: async () => {
      const image = photo(320, 240, 117);
      return sharp(firstChannel(image), { raw: { width: 320, height: 240, channels: 1 } })
        .toColourspace('b-w')
        .png()
        .toBuffer();
    },
  },
  {
    name: 'grey with alpha, PNG',
    bytes: async () => {
      const image = photo(160, 120, 118);
      const grey = withAlpha({ ...image, channels: 1, pixels: firstChannel(image) });
      return sharp(grey.pixels, { raw: { width: 160, height: 120, channels: 2 } })
        .toColourspace('b-w')
        .png()
        .toBuffer();
    },
  },
  {
    name: 'RGBA PNG with an alpha ramp',
    bytes: async () => encodePng(withAlpha(photo(240, 180, 119))),
  },
  { name: 'colour wheel, PNG', bytes: async () => encodePng(colourWheel(384, 256)) },
  {
    name: 'flat colour, PNG',
    bytes: async () =>
      encodePng({
        width: 64,
        height: 48,
        channels: 3,
        pixels: new Uint8Array(64 * 48 * 3).fill(77),
      }),
  },
  { name: 'odd size 7×5, JPEG', bytes: async () => encodeJpeg(photo(7, 5, 120), 90) },
  { name: 'tiny 2×1, PNG', bytes: async () => encodePng(photo(2, 1, 121)) },
  {
    name: 'odd size 641×479 (analysis factor 2)',
    bytes: async () => encodeJpeg(photo(641, 479, 122), 85),
  },
  {
    name: '1283×962 (analysis factor 3)',
    bytes: async () => encodeJpeg(photo(1283, 962, 123), 75),
  },
  {
    name: 'EXIF make, model and orientation',
    bytes: async () => {
      const image = photo(200, 150, 124);
      return sharp(image.pixels, { raw: { width: 200, height: 150, channels: 3 } })
        .withExif({ IFD0: { Make: 'Driftwatch', Model: 'Golden 1' } })
        .withMetadata({ orientation: 6 })
        .jpeg({ quality: 80 })
        .toBuffer();
    },
  },
];

/** Features of every golden case through SharpDecoder and extractFeatures, keyed by case name. */
export async function goldenFeatures(): Promise<Record<string, ImageFeatures>> {
  const decoder = new SharpDecoder();
  const out: Record<string, ImageFeatures> = {};
  for (const c of GOLDEN_CASES) {
    const decoded = await decoder.decode(await c.bytes());
    if (!decoded.ok) throw new Error(`${c.name}: ${decoded.detail}`);
    out[c.name] = extractFeatures(decoded.image, decoded.container);
  }
  return out;
}
