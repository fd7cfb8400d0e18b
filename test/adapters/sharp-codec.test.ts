import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { encodeJpeg, SharpDecoder } from '../../lambdas/adapters/sharp-codec.ts';
import { scene } from '../helpers/images.ts';

const decoder = new SharpDecoder();
const base = scene(96, 64, 7);
const raw = () =>
  sharp(base.pixels, { raw: { width: base.width, height: base.height, channels: 3 } });

describe('SharpDecoder', () => {
  it.each([1, 5, 10, 18, 50, 75, 85, 90, 95, 99, 100])(
    'reads JPEG quality %i back exactly from the quantisation table',
    async (quality) => {
      const result = await decoder.decode(await encodeJpeg(base, quality));
      if (!result.ok) throw new Error(result.detail);
      expect(result.container.jpegQuality).toBe(quality);
      expect(result.container.format).toBe('jpeg');
      expect(result.image.channels).toBe(3);
    },
  );

  it('decodes the same after pixelsOf has read the header, and forgets that header after', async () => {
    const grey = await raw().toColourspace('b-w').png().toBuffer();
    const fresh = await new SharpDecoder().decode(grey);
    const reader = new SharpDecoder();
    expect(await reader.pixelsOf(grey)).toBe(96 * 64);
    expect(await reader.decode(grey)).toEqual(fresh);
    expect(await reader.decode(grey)).toEqual(fresh);
  });

  it('decodes a greyscale image to one channel and keeps grey semantics', async () => {
    const result = await decoder.decode(await raw().toColourspace('b-w').png().toBuffer());
    if (!result.ok) throw new Error(result.detail);
    expect(result.image.channels).toBe(1);
    expect(result.container.colorspace).toBe('b-w');
  });

  it('decodes CMYK and 16-bit images to 8-bit sRGB', async () => {
    for (const colourspace of ['cmyk', 'rgb16'] as const) {
      const bytes = await raw()
        .toColourspace(colourspace)
        [colourspace === 'cmyk' ? 'jpeg' : 'png']()
        .toBuffer();
      const result = await decoder.decode(bytes);
      if (!result.ok) throw new Error(result.detail);
      expect(result.image.channels).toBe(3);
      expect(result.image.pixels.length).toBe(96 * 64 * 3);
      expect(result.container.colorspace).toBe(colourspace);
    }
  });

  it('keeps alpha as the last channel', async () => {
    const result = await decoder.decode(await raw().ensureAlpha(0.5).png().toBuffer());
    if (!result.ok) throw new Error(result.detail);
    expect(result.image.channels).toBe(4);
    expect(result.container.hasAlpha).toBe(true);
  });

  it('reads EXIF orientation, make and model', async () => {
    const bytes = await raw()
      .jpeg()
      .withExif({ IFD0: { Make: 'Canon', Model: 'EOS R5' } })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const result = await decoder.decode(bytes);
    if (!result.ok) throw new Error(result.detail);
    expect(result.container.exif).toEqual({ orientation: 6, make: 'Canon', model: 'EOS R5' });
  });

  it('decodes the first frame of an animation', async () => {
    const frames = await Promise.all(
      ['#ff0000', '#0000ff'].map((background) =>
        sharp({ create: { width: 32, height: 24, channels: 3, background } })
          .png()
          .toBuffer(),
      ),
    );
    const gif = await sharp(frames, { join: { animated: true } })
      .gif()
      .toBuffer();
    const result = await decoder.decode(gif);
    if (!result.ok) throw new Error(result.detail);
    expect([result.image.width, result.image.height]).toEqual([32, 24]);
  });
});
