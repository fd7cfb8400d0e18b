import { describe, expect, it } from 'vitest';
import { extractFeatures } from '../../../lambdas/core/features/extract-features.ts';
import type { ContainerFacts, DecodedImage } from '../../../lambdas/core/image/decoded-image.ts';
import {
  boxBlur,
  greyImage,
  pixelate,
  rgbImage,
  scene,
  withGaussianNoise,
} from '../../helpers/images.ts';

const container: ContainerFacts = {
  format: 'png',
  bytes: 1000,
  colorspace: 'srgb',
  hasAlpha: false,
  exif: {},
};
const features = (image: DecodedImage) => extractFeatures(image, container).numeric;

describe('extractFeatures', () => {
  it('gives exact Pillow HSV, luma and zero texture on a flat colour', () => {
    // Prepare: (200, 100, 50) is H 14, S 191, V 200 in Pillow bytes
    const f = features(rgbImage(64, 48, () => [200, 100, 50]));
    // Assess
    expect(f['hue.mean']).toBe(14);
    expect(f['hue.stddev']).toBe(0);
    expect(f['saturation.mean']).toBe(191);
    expect(f['brightness.mean']).toBe(200);
    expect(f['luma.mean']).toBeCloseTo(0.299 * 200 + 0.587 * 100 + 0.114 * 50, 4);
    expect(f['luma.contrast']).toBeCloseTo(0, 4);
    expect(f.sharpness).toBeCloseTo(0, 6);
    expect(f.noise).toBeCloseTo(0, 6);
    expect(f.blockiness).toBe(1);
    expect(f['flat.fraction']).toBe(1);
    expect(f['isolated.fraction']).toBe(0);
    expect(f.entropy).toBeCloseTo(Math.log2(3), 10); // three bands, one bin each
    expect(f['red.relative']).toBeCloseTo(200 / 350, 10);
    expect(f['chromatic.fraction']).toBe(1);
    expect(f['hue.concentration']).toBeCloseTo(1, 10);
    expect(f['hue.circularMean']).toBeCloseTo((14 / 256) * 360, 6);
    expect(f.width).toBe(64);
    expect(f.height).toBe(48);
    expect(f.aspectRatio).toBeCloseTo(64 / 48, 10);
    expect(f['file.bytesPerPixel']).toBeCloseTo(1000 / (64 * 48), 10);
  });

  it('uses the population stddev of the hue histogram, as Pillow ImageStat does', () => {
    // Half red (H 0), half blue (H 170): mean 85, population stddev 85
    const f = features(rgbImage(10, 10, (x) => (x < 5 ? [255, 0, 0] : [0, 0, 255])));
    expect(f['hue.mean']).toBe(85);
    expect(f['hue.stddev']).toBe(85);
  });

  it('keeps circular hue near red when hues straddle 0, where the linear mean says cyan', () => {
    // Pillow hue bytes 250 and 5 around red: linear mean ≈ 127 (cyan), circular mean ≈ 0°
    const f = features(rgbImage(10, 10, (x) => (x < 5 ? [255, 0, 24] : [255, 30, 0])));
    expect(f['hue.mean']).toBeGreaterThan(100);
    const angle = f['hue.circularMean'] as number;
    expect(Math.min(angle, 360 - angle)).toBeLessThan(10);
  });

  it('has zero Laplacian and noise on a linear gradient, with the uniform-histogram entropy', () => {
    const f = features(greyImage(256, 16, (x) => x));
    expect(f['luma.mean']).toBeCloseTo(127.5, 6);
    expect(f['luma.contrast']).toBeCloseTo(Math.sqrt((256 ** 2 - 1) / 12), 4);
    expect(f.sharpness).toBeCloseTo(0, 6);
    expect(f.noise).toBeCloseTo(0, 6);
    expect(f.entropy).toBeCloseTo(8, 10);
    expect(f['flat.fraction']).toBe(1);
    expect(f['saturation.mean']).toBe(0);
    expect(f['chromatic.fraction']).toBe(0);
    expect(f['hue.circularMean']).toBeUndefined();
    expect(f.channels).toBe(1);
  });

  it('measures a one-pixel checkerboard: Laplacian ±1020, all pixels clipped and isolated', () => {
    const f = features(greyImage(64, 64, (x, y) => ((x + y) % 2) * 255));
    expect(f.sharpness).toBeCloseTo(1020 ** 2, 0);
    expect(f['clipped.fraction']).toBe(1);
    expect(f['isolated.fraction']).toBe(1);
    expect(f['dark.fraction']).toBeCloseTo(0.5, 10);
    expect(f['overexposed.fraction']).toBeCloseTo(0.5, 10);
  });

  it('estimates the sigma of added Gaussian noise within 5%', () => {
    for (const sigma of [5, 10, 20]) {
      const f = features(
        withGaussianNoise(
          greyImage(256, 256, () => 128),
          sigma,
          sigma,
        ),
      );
      expect(f.noise).toBeGreaterThan(sigma * 0.95);
      expect(f.noise).toBeLessThan(sigma * 1.05);
      expect(f['luma.contrast']).toBeCloseTo(sigma, 0);
    }
  });

  it('sees blur as lower sharpness and noise', () => {
    const sharp = withGaussianNoise(scene(160, 120, 3), 6);
    const blurred = boxBlur(sharp, 2);
    expect(features(blurred).sharpness).toBeLessThan((features(sharp).sharpness as number) / 4);
    expect(features(blurred).noise).toBeLessThan(features(sharp).noise as number);
  });

  it('sees 8-pixel pixelation as blockiness and flat patches', () => {
    const original = withGaussianNoise(scene(160, 120, 4), 4);
    const blocky = pixelate(original, 8);
    const before = features(original);
    const after = features(blocky);
    expect(before.blockiness).toBeGreaterThan(0.8);
    expect(before.blockiness).toBeLessThan(1.25);
    expect(after.blockiness).toBeGreaterThan(3);
    expect(after['flat.fraction']).toBeGreaterThan((before['flat.fraction'] as number) + 0.5);
  });

  it('counts isolated dead pixels', () => {
    const base = scene(100, 100, 5);
    const pixels = Uint8Array.from(base.pixels);
    for (let i = 0; i < 50; i++) pixels.set([0, 0, 0], ((i * 37) % 9604) * 3 + 303); // interior, spread out
    const f = features({ ...base, pixels });
    expect(f['isolated.fraction']).toBeCloseTo(50 / (98 * 98), 3);
  });

  it('counts the rows a nearest-neighbour enlargement repeats, and none in a noisy scene', () => {
    const noisy = withGaussianNoise(scene(120, 90, 8), 3);
    expect(features(noisy)['repeated.fraction']).toBeLessThan(0.02);
    // Every other source row twice: rows 3k and 3k + 1 are equal, 45 of the 134 row pairs.
    const enlarged = greyImage(120, 135, (x, y) => {
      const source = Math.floor((2 * y) / 3);
      return 128 + 60 * Math.sin(x / 3 + source * 1.7);
    });
    expect(features(enlarged)['repeated.fraction']).toBe(45 / 134);
  });

  it('measures sharpness and noise at the analysis scale, so an upscaled copy scores the same', () => {
    // Prepare: a 600×400 noisy scene and the same scene upscaled ×3 by pixel replication (1800×1200)
    const small = withGaussianNoise(scene(600, 400, 6), 8);
    const big = rgbImage(1800, 1200, (x, y) => {
      const p = (Math.floor(y / 3) * 600 + Math.floor(x / 3)) * 3;
      return [
        small.pixels[p] as number,
        small.pixels[p + 1] as number,
        small.pixels[p + 2] as number,
      ];
    });
    // Act
    const a = features(small);
    const b = features(big);
    // Assess: the 1800-px image is box-downsampled by 3, giving back the 600-px luma exactly
    expect(b.sharpness).toBeCloseTo(a.sharpness as number, 3);
    expect(b.noise).toBeCloseTo(a.noise as number, 3);
  });

  it('includes alpha in entropy, like Pillow on RGBA, but not in colour', () => {
    const rgb = rgbImage(8, 8, () => [10, 20, 30]);
    const rgba: DecodedImage = {
      width: 8,
      height: 8,
      channels: 4,
      pixels: Uint8Array.from(
        { length: 256 },
        (_, i) => [10, 20, 30, i % 8 < 4 ? 0 : 255][i % 4] as number,
      ),
    };
    expect(features(rgba)['hue.mean']).toBe(features(rgb)['hue.mean']);
    expect(features(rgb).entropy).toBeCloseTo(Math.log2(3), 10);
    expect(features(rgba).entropy).toBeCloseTo(
      -(3 * (1 / 4) * Math.log2(1 / 4) + 2 * (1 / 8) * Math.log2(1 / 8)),
      10,
    );
  });

  it('reports container facts as categorical features', () => {
    const f = extractFeatures(
      rgbImage(4, 4, () => [1, 2, 3]),
      {
        ...container,
        format: 'jpeg',
        jpegQuality: 85,
        exif: { orientation: 6, make: 'Canon', model: 'EOS' },
      },
    );
    expect(f.categorical).toEqual({
      format: 'jpeg',
      colorspace: 'srgb',
      'exif.orientation': '6',
      'exif.make': 'Canon',
      'exif.model': 'EOS',
    });
    expect(f.numeric['jpeg.quality']).toBe(85);
  });
});
