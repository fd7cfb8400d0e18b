import { convolve, jpegRoundTrip, resize } from '../adapters/sharp-codec.ts';
import type { DecodedImage } from '../core/image/decoded-image.ts';
import { SeededRandom } from '../core/sketches/random.ts';
import { normalDeviate } from './synthetic-photo.ts';

/**
 * Image corruptions for the demo's camera fault and the detection evaluation. The ImageNet-C ones
 * follow Hendrycks & Dietterich (ICLR 2019), hendrycks/robustness corruptions.py, with their
 * severity-1…5 parameters (docs/monitors.md); colour cast, darkening, dead pixels, resolution change
 * and greyscale are our nearest equivalents for camera faults ImageNet-C does not model.
 * Each takes an RGB image and a seed and returns a new image.
 */
export type Corruption = (image: DecodedImage, seed: number) => Promise<DecodedImage>;

const clamp = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));
const mapSamples = (image: DecodedImage, f: (v: number, i: number) => number): DecodedImage => {
  const pixels = new Uint8Array(image.pixels.length);
  for (let i = 0; i < pixels.length; i++) pixels[i] = clamp(f(image.pixels[i] as number, i));
  return { ...image, pixels };
};

/** x + N(0, σ²) on the [0, 1] scale. */
export const gaussianNoise =
  (sigma: number): Corruption =>
  async (image, seed) => {
    const random = new SeededRandom(seed);
    return mapSamples(image, (v) => v + 255 * sigma * normalDeviate(random));
  };

/** Poisson(x·c)/c on the [0, 1] scale (normal approximation above λ = 30). */
export const shotNoise =
  (c: number): Corruption =>
  async (image, seed) => {
    const random = new SeededRandom(seed);
    const poisson = (lambda: number) => {
      if (lambda > 30)
        return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * normalDeviate(random)));
      const limit = Math.exp(-lambda);
      let k = 0;
      let p = random.next();
      while (p > limit) {
        k++;
        p *= random.next();
      }
      return k;
    };
    return mapSamples(image, (v) => (255 * poisson((v / 255) * c)) / c);
  };

/** skimage salt-and-pepper: each sample becomes 0 or 255 with probability `amount`. */
export const impulseNoise =
  (amount: number): Corruption =>
  async (image, seed) => {
    const random = new SeededRandom(seed);
    return mapSamples(image, (v) => (random.next() < amount ? (random.next() < 0.5 ? 0 : 255) : v));
  };

/** Disk kernel of the given radius (ImageNet-C defocus_blur; its small alias blur is omitted). */
export const defocusBlur =
  (radius: number): Corruption =>
  async (image) => {
    const size = 2 * radius + 1;
    const values = Array.from({ length: size * size }, (_, i) => {
      const dx = (i % size) - radius;
      const dy = Math.floor(i / size) - radius;
      return dx * dx + dy * dy <= radius * radius ? 1 : 0;
    });
    return convolve(image, { width: size, height: size, values });
  };

/**
 * One-sided motion blur along a random angle in ±45°, Gaussian weights of σ over `radius` pixels
 * (the ImageMagick MotionImage used by ImageNet-C).
 */
export const motionBlur =
  (radius: number, sigma: number): Corruption =>
  async (image, seed) => {
    const angle = ((new SeededRandom(seed).next() - 0.5) * Math.PI) / 2;
    const size = 2 * radius + 1;
    const values = new Array<number>(size * size).fill(0);
    for (let t = 0; t <= radius; t++) {
      const x = Math.round(radius + t * Math.cos(angle));
      const y = Math.round(radius + t * Math.sin(angle));
      values[y * size + x] =
        (values[y * size + x] as number) + Math.exp(-(t * t) / (2 * sigma * sigma));
    }
    return convolve(image, { width: size, height: size, values });
  };

/** Downscale by `scale` with a box-like filter, then back up with nearest neighbour (blocks). */
export const pixelate =
  (scale: number): Corruption =>
  async (image) => {
    const small = await resize(
      image,
      Math.max(1, Math.round(image.width * scale)),
      Math.max(1, Math.round(image.height * scale)),
      'cubic',
    );
    return resize(small, image.width, image.height, 'nearest');
  };

export const jpegCompression =
  (quality: number): Corruption =>
  async (image) =>
    jpegRoundTrip(image, quality);

/** Per-pixel HSV transform on [0, 1] floats (skimage rgb2hsv / hsv2rgb). */
function mapHsv(
  image: DecodedImage,
  f: (h: number, s: number, v: number) => [number, number, number],
): DecodedImage {
  const out = new Uint8Array(image.pixels.length);
  for (let p = 0; p < out.length; p += 3) {
    const r = (image.pixels[p] as number) / 255;
    const g = (image.pixels[p + 1] as number) / 255;
    const b = (image.pixels[p + 2] as number) / 255;
    const max = Math.max(r, g, b);
    const min = Math.min(r, g, b);
    const d = max - min;
    let h = 0;
    if (d > 0)
      h = max === r ? ((g - b) / d + 6) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
    const [h2, s2, v2] = f(h / 6, max === 0 ? 0 : d / max, max);
    const s = Math.min(1, Math.max(0, s2));
    const v = Math.min(1, Math.max(0, v2));
    const k = (n: number) => (n + h2 * 6) % 6;
    const channel = (n: number) => v - v * s * Math.max(0, Math.min(k(n), 4 - k(n), 1));
    out[p] = clamp(channel(5) * 255);
    out[p + 1] = clamp(channel(3) * 255);
    out[p + 2] = clamp(channel(1) * 255);
  }
  return { ...image, pixels: out };
}

/** HSV V += delta (negative delta darkens). */
export const brightness =
  (delta: number): Corruption =>
  async (image) =>
    mapHsv(image, (h, s, v) => [h, s, v + delta]);

/** HSV S = S·factor + add. */
export const saturate =
  (factor: number, add = 0): Corruption =>
  async (image) =>
    mapHsv(image, (h, s, v) => [h, s * factor + add, v]);

/** (x − channel mean)·c + channel mean. */
export const contrast =
  (c: number): Corruption =>
  async (image) => {
    const means = [0, 0, 0];
    for (let i = 0; i < image.pixels.length; i++) means[i % 3]! += image.pixels[i] as number;
    const n = image.pixels.length / 3;
    return mapSamples(image, (v, i) => (v - means[i % 3]! / n) * c + means[i % 3]! / n);
  };

/** A white-balance fault: red gain up, blue gain down. */
export const colourCast =
  (redGain: number, blueGain: number): Corruption =>
  async (image) =>
    mapSamples(image, (v, i) => (i % 3 === 0 ? v * redGain : i % 3 === 2 ? v * blueGain : v));

/**
 * Dead (black) and hot (white) pixels at fixed sensor positions: the same positions in every image
 * of a camera, chosen by `sensorSeed`, not by the per-image seed.
 */
export const deadPixels =
  (fraction: number, sensorSeed = 4242): Corruption =>
  async (image) => {
    const random = new SeededRandom(sensorSeed);
    const pixels = Uint8Array.from(image.pixels);
    const count = Math.round(image.width * image.height * fraction);
    for (let k = 0; k < count; k++) {
      const p = Math.floor(random.next() * image.width * image.height) * 3;
      const value = random.next() < 0.7 ? 0 : 255;
      pixels[p] = value;
      pixels[p + 1] = value;
      pixels[p + 2] = value;
    }
    return { ...image, pixels };
  };

export const resolutionChange =
  (scale: number): Corruption =>
  async (image) =>
    resize(image, Math.round(image.width * scale), Math.round(image.height * scale), 'lanczos3');

/** Rec.601 luma in all three channels: a camera stuck in monochrome mode. */
export const greyscale = (): Corruption => async (image) => {
  const out = new Uint8Array(image.pixels.length);
  for (let p = 0; p < out.length; p += 3) {
    const y = clamp(
      0.299 * (image.pixels[p] as number) +
        0.587 * (image.pixels[p + 1] as number) +
        0.114 * (image.pixels[p + 2] as number),
    );
    out[p] = y;
    out[p + 1] = y;
    out[p + 2] = y;
  }
  return { ...image, pixels: out };
};

export const compose =
  (...steps: Corruption[]): Corruption =>
  async (image, seed) => {
    let current = image;
    for (const [i, step] of steps.entries()) current = await step(current, seed + i);
    return current;
  };

/** The corruption catalogue of the detection table: severity 3 (default) and severity 1 parameters. */
export const CORRUPTIONS: Record<
  string,
  { severity3: Corruption; severity1: Corruption; note: string }
> = {
  'gaussian-noise': {
    severity3: gaussianNoise(0.18),
    severity1: gaussianNoise(0.08),
    note: 'σ = .18 / .08',
  },
  'shot-noise': { severity3: shotNoise(12), severity1: shotNoise(60), note: 'c = 12 / 60' },
  'impulse-noise': {
    severity3: impulseNoise(0.09),
    severity1: impulseNoise(0.03),
    note: 'amount = .09 / .03',
  },
  'defocus-blur': {
    severity3: defocusBlur(6),
    severity1: defocusBlur(3),
    note: 'disk radius 6 / 3',
  },
  'motion-blur': {
    severity3: motionBlur(15, 8),
    severity1: motionBlur(10, 3),
    note: 'radius 15 σ 8 / radius 10 σ 3',
  },
  pixelate: { severity3: pixelate(0.4), severity1: pixelate(0.6), note: 'scale .4 / .6' },
  'jpeg-compression': {
    severity3: jpegCompression(15),
    severity1: jpegCompression(25),
    note: 'quality 15 / 25',
  },
  brightness: { severity3: brightness(0.3), severity1: brightness(0.1), note: 'V + .3 / + .1' },
  darkening: {
    severity3: brightness(-0.3),
    severity1: brightness(-0.1),
    note: 'V − .3 / − .1 (mirror of brightness)',
  },
  contrast: { severity3: contrast(0.2), severity1: contrast(0.4), note: 'c = .2 / .4' },
  saturation: {
    severity3: saturate(2),
    severity1: saturate(0.3),
    note: 'S × 2 / × .3 (ImageNet-C saturate)',
  },
  'colour-cast': {
    severity3: colourCast(1.25, 0.8),
    severity1: colourCast(1.08, 0.93),
    note: 'R × 1.25, B × .8 / R × 1.08, B × .93',
  },
  'dead-pixels': {
    severity3: deadPixels(0.002),
    severity1: deadPixels(0.0005),
    note: '0.2% / 0.05% of sensor pixels stuck',
  },
  'resolution-change': {
    severity3: resolutionChange(0.5),
    severity1: resolutionChange(0.8),
    note: 'scale .5 / .8',
  },
  greyscale: { severity3: greyscale(), severity1: greyscale(), note: 'monochrome (no severity)' },
};

/** The demo's camera fault from day 4: pixelation plus corrupted (dead and hot) pixels. */
export const CAMERA_FAULT: Corruption = compose(pixelate(0.4), deadPixels(0.002));
