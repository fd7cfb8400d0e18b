import type { DecodedImage } from '../../lambdas/core/image/decoded-image.ts';
import { SeededRandom } from '../../lambdas/core/sketches/random.ts';

export const rgbImage = (
  width: number,
  height: number,
  pixel: (x: number, y: number) => readonly [number, number, number],
): DecodedImage => {
  const pixels = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = pixel(x, y);
      pixels.set([r, g, b], (y * width + x) * 3);
    }
  }
  return { width, height, channels: 3, pixels };
};

export const greyImage = (
  width: number,
  height: number,
  value: (x: number, y: number) => number,
): DecodedImage => {
  const pixels = new Uint8Array(width * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) pixels[y * width + x] = value(x, y);
  return { width, height, channels: 1, pixels };
};

/** Box–Muller normal deviates from a seeded generator. */
export function normal(random: SeededRandom): number {
  const u = 1 - random.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.next());
}

export const mapPixels = (
  image: DecodedImage,
  f: (value: number, index: number) => number,
): DecodedImage => ({
  ...image,
  pixels: image.pixels.map((v, i) => Math.max(0, Math.min(255, Math.round(f(v, i))))),
});

export const withGaussianNoise = (image: DecodedImage, sigma: number, seed = 1): DecodedImage => {
  const random = new SeededRandom(seed);
  return mapPixels(image, (v) => v + sigma * normal(random));
};

/** Nearest-neighbour pixelation with square blocks of `block` pixels. */
export const pixelate = (image: DecodedImage, block: number): DecodedImage => {
  const { width, channels } = image;
  const out = new Uint8Array(image.pixels.length);
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < width; x++) {
      const src = ((y - (y % block)) * width + (x - (x % block))) * channels;
      for (let c = 0; c < channels; c++)
        out[(y * width + x) * channels + c] = image.pixels[src + c] as number;
    }
  }
  return { ...image, pixels: out };
};

/** Separable box blur of radius r (clamped edges). */
export const boxBlur = (image: DecodedImage, r: number): DecodedImage => {
  const { width, height, channels } = image;
  const pass = (src: Uint8Array, horizontal: boolean) => {
    const out = new Uint8Array(src.length);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        for (let c = 0; c < channels; c++) {
          let sum = 0;
          for (let d = -r; d <= r; d++) {
            const xx = horizontal ? Math.min(width - 1, Math.max(0, x + d)) : x;
            const yy = horizontal ? y : Math.min(height - 1, Math.max(0, y + d));
            sum += src[(yy * width + xx) * channels + c] as number;
          }
          out[(y * width + x) * channels + c] = Math.round(sum / (2 * r + 1));
        }
      }
    }
    return out;
  };
  return { ...image, pixels: pass(pass(image.pixels, true), false) };
};

/** A smooth, photo-like test scene: gradients plus a few soft blobs, seeded. */
export const scene = (width: number, height: number, seed = 1): DecodedImage => {
  const random = new SeededRandom(seed);
  const blobs = Array.from({ length: 6 }, () => ({
    x: random.next() * width,
    y: random.next() * height,
    r: (0.1 + random.next() * 0.3) * width,
    c: [random.next() * 255, random.next() * 255, random.next() * 255] as const,
  }));
  return rgbImage(width, height, (x, y) => {
    let r = (x / width) * 120 + 40;
    let g = (y / height) * 100 + 60;
    let b = 90;
    for (const blob of blobs) {
      const w = Math.exp(-((x - blob.x) ** 2 + (y - blob.y) ** 2) / (2 * blob.r * blob.r));
      r += (blob.c[0] - r) * w * 0.8;
      g += (blob.c[1] - g) * w * 0.8;
      b += (blob.c[2] - b) * w * 0.8;
    }
    return [Math.round(r), Math.round(g), Math.round(b)];
  });
};
