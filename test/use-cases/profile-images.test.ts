import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listImageFiles } from '../../lambdas/adapters/local/image-folder.ts';
import { encodeJpeg, encodePng, SharpDecoder } from '../../lambdas/adapters/sharp-codec.ts';
import type { ImageDecoder } from '../../lambdas/ports/image-decoder.ts';
import { profileImages } from '../../lambdas/use-cases/profile-images.ts';
import { pngClaiming, withTempDir } from '../helpers/files.ts';
import { scene } from '../helpers/images.ts';

const options = {
  dataset: 'cats-dogs',
  window: { start: 'day_1', end: 'day_1' },
  decoder: new SharpDecoder(),
};

describe('profileImages', () => {
  it('reports each bad file with its reason and keeps every good image in the profile', async () => {
    await withTempDir(async (dir) => {
      // Prepare: three good images and four bad files
      const good = await encodeJpeg(scene(120, 90, 1));
      await writeFile(path.join(dir, 'cat.1.jpg'), good);
      await writeFile(path.join(dir, 'cat.2.jpg'), await encodeJpeg(scene(120, 90, 2)));
      await writeFile(path.join(dir, 'dog.1.png'), await encodePng(scene(120, 90, 3)));
      await writeFile(path.join(dir, 'corrupt.jpg'), good.subarray(0, good.length / 2));
      await writeFile(path.join(dir, 'empty.jpg'), new Uint8Array());
      await writeFile(path.join(dir, 'notes.jpg'), 'this is a text file, not a JPEG');
      await writeFile(path.join(dir, 'bomb.png'), pngClaiming(30000, 30000));
      await writeFile(path.join(dir, 'predictions.csv'), 'image,prediction\n');
      await writeFile(path.join(dir, '.DS_Store'), 'hidden');

      // Act
      const { profile, unreadable } = await profileImages(await listImageFiles(dir), options);

      // Assess
      expect(profile.images).toBe(3);
      expect(Object.fromEntries(unreadable.map((u) => [u.key, u.reason]))).toEqual({
        'bomb.png': 'too-many-pixels',
        'corrupt.jpg': 'corrupt',
        'empty.jpg': 'empty-file',
        'notes.jpg': 'not-an-image',
      });
      expect(unreadable.find((u) => u.key === 'bomb.png')?.detail).toMatch(/30000x30000/);
      expect(unreadable.find((u) => u.key === 'corrupt.jpg')?.detail).toMatch(/\w/);
      expect(profile.unreadable).toEqual({
        'too-many-pixels': 1,
        corrupt: 1,
        'empty-file': 1,
        'not-an-image': 1,
      });
      expect(Object.fromEntries(profile.categorical.get('format')?.items.counts ?? [])).toEqual({
        jpeg: 2,
        png: 1,
      });
    });
  });

  it('counts a file that cannot be read as unreadable instead of failing the batch', async () => {
    const inputs = [
      { key: 'gone.jpg', read: () => Promise.reject(new Error('ENOENT: no such file')) },
      { key: 'ok.jpg', read: async () => encodeJpeg(scene(64, 48, 4)) },
    ];
    const { profile, unreadable } = await profileImages(inputs, options);
    expect(profile.images).toBe(1);
    expect(unreadable).toEqual([
      { key: 'gone.jpg', reason: 'read-failed', detail: 'ENOENT: no such file' },
    ]);
  });

  it('adds images in input order whatever order decoding finishes in', async () => {
    const images = await Promise.all(
      [1, 2, 3, 4, 5, 6].map((s) => encodeJpeg(scene(80 * s, 60, s))),
    );
    const inputs = images.map((bytes, i) => ({ key: `img_${i}.jpg`, read: async () => bytes }));
    const serial = await profileImages(inputs, { ...options, inFlight: 1 });
    const parallel = await profileImages(inputs, { ...options, inFlight: 4 });
    expect(parallel.profile.numeric.get('width')?.sketch.toState()).toEqual(
      serial.profile.numeric.get('width')?.sketch.toState(),
    );
  });

  it('decodes no more pixels at once than its budget, however many images are in flight', async () => {
    const jpeg = await encodeJpeg(scene(64, 48, 1));
    const sharpDecoder = new SharpDecoder();
    let inFlight = 0;
    let peak = 0;
    const counting: ImageDecoder = {
      pixelsOf: async () => 49_000_000,
      decode: async (bytes) => {
        inFlight += 49_000_000;
        peak = Math.max(peak, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 10));
        inFlight -= 49_000_000;
        return sharpDecoder.decode(bytes);
      },
    };
    const inputs = Array.from({ length: 8 }, (_, i) => ({
      key: `${i}.png`,
      read: async () => jpeg,
    }));
    const result = await profileImages(inputs, {
      ...options,
      decoder: counting,
      inFlight: 4,
      maxPixelsInFlight: 100_000_000,
    });
    expect(result.profile.images).toBe(8);
    expect(peak).toBe(98_000_000);
  });
});
