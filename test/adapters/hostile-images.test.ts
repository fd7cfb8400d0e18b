import fc from 'fast-check';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeJpeg, encodePng, SharpDecoder } from '../../lambdas/adapters/sharp-codec.ts';
import { extractFeatures } from '../../lambdas/core/features/extract-features.ts';
import { profileImages } from '../../lambdas/use-cases/profile-images.ts';
import { heicFromAvif, pngClaiming } from '../helpers/files.ts';
import { scene } from '../helpers/images.ts';

const decoder = new SharpDecoder();
const base = scene(80, 60, 9);
const raw = () => sharp(base.pixels, { raw: { width: 80, height: 60, channels: 3 } });
let jpeg: Buffer;
let png: Buffer;
beforeAll(async () => {
  jpeg = await encodeJpeg(base);
  png = await encodePng(base);
});

/** Decode, and when it decodes, extract every feature: nothing may throw, every value is finite or absent. */
async function profileOf(bytes: Uint8Array) {
  const decoded = await decoder.decode(bytes);
  if (!decoded.ok) return decoded;
  const features = extractFeatures(decoded.image, decoded.container);
  for (const value of Object.values(features.numeric))
    if (value !== undefined) expect(Number.isFinite(value)).toBe(true);
  return { ...decoded, features };
}

describe('hostile images', () => {
  it.each([
    [
      'random bytes',
      () => Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)),
      'not-an-image',
    ],
    ['zero bytes', () => Buffer.alloc(0), 'empty-file'],
    ['a truncated JPEG', () => jpeg.subarray(0, Math.floor(jpeg.length * 0.6)), 'corrupt'],
    ['a truncated PNG', () => png.subarray(0, Math.floor(png.length * 0.6)), 'corrupt'],
    [
      'a PNG header claiming 30000×30000 pixels',
      () => pngClaiming(30000, 30000),
      'too-many-pixels',
    ],
    ['text named like an image', () => Buffer.from('GIF89a? no, just text'), 'not-an-image'],
    // sharp's prebuilt libheif decodes AVIF only: HEVC needs libde265, which it does not ship.
    [
      'an HEIC (HEVC-coded HEIF)',
      async () => heicFromAvif(await raw().avif().toBuffer()),
      'unsupported',
    ],
  ])('counts %s as unreadable with its reason', async (_, make, reason) => {
    const result = await profileOf(await make());
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toBe(reason);
      expect(result.detail.length).toBeGreaterThan(0);
    }
  });

  it.each([
    ['a CMYK JPEG', () => raw().toColourspace('cmyk').jpeg().toBuffer(), 3],
    ['a 16-bit PNG', () => raw().toColourspace('rgb16').png().toBuffer(), 3],
    [
      'a grey PNG with alpha',
      () =>
        sharp(Buffer.alloc(80 * 60 * 2, 128), { raw: { width: 80, height: 60, channels: 2 } })
          .toColourspace('b-w')
          .png()
          .toBuffer(),
      2,
    ],
    [
      'an animated WebP (first frame)',
      async () =>
        sharp([jpeg, png], { join: { animated: true } })
          .webp()
          .toBuffer(),
      4, // libvips writes animated WebP with an alpha channel
    ],
    [
      'an animated GIF (first frame)',
      async () =>
        sharp([jpeg, png], { join: { animated: true } })
          .gif()
          .toBuffer(),
      4,
    ],
    ['an AVIF', () => raw().avif().toBuffer(), 3],
    ['an EXIF-rotated JPEG', () => raw().jpeg().withMetadata({ orientation: 6 }).toBuffer(), 3],
  ])('profiles %s', async (_, make, channels) => {
    const result = await profileOf(await make());
    if (!result.ok) throw new Error(`${result.reason}: ${result.detail}`);
    expect(result.image.channels).toBe(channels);
    expect(result.image.width).toBe(80);
  });

  it('always returns a result for mutated JPEGs (fuzz): profiled or unreadable, never thrown', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 40,
        }),
        fc.nat(),
        async (edits, cut) => {
          const bytes = Buffer.from(jpeg);
          for (const [at, value] of edits) bytes[at % bytes.length] = value;
          const mutated = bytes.subarray(0, Math.max(1, bytes.length - (cut % 200)));
          const { profile, unreadable } = await profileImages(
            [{ key: 'fuzz.jpg', read: async () => mutated }],
            {
              dataset: 'fuzz',
              window: { start: 'd', end: 'd' },
              decoder,
            },
          );
          expect(profile.images + unreadable.length).toBe(1);
        },
      ),
      { numRuns: 150, seed: 20261128 },
    );
  });
});
