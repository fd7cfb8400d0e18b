import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { listImageFiles } from '../../lambdas/adapters/local/image-folder.ts';
import {
  ImageWorkerError,
  ImageWorkerPool,
} from '../../lambdas/adapters/local/image-worker-pool.ts';
import { encodeJpeg, encodePng, SharpDecoder } from '../../lambdas/adapters/sharp-codec.ts';
import { encodeProfile } from '../../lambdas/core/profile/profile-codec.ts';
import { analyzeImage } from '../../lambdas/use-cases/analyze-image.ts';
import { profileImages } from '../../lambdas/use-cases/profile-images.ts';
import { pngClaiming, withTempDir } from '../helpers/files.ts';
import { greyImage, scene } from '../helpers/images.ts';

/**
 * libvips keeps one error buffer per process: when corrupt files decode at the same time, on any
 * thread, which of its messages a failure reports varies. The reason does not.
 */
const anyLibvipsDetail = <T extends { ok?: boolean; reason?: string }>(outcome: T) =>
  outcome.reason === 'corrupt' ? { ...outcome, detail: expect.any(String) } : outcome;

const fixture = (name: string) => new URL(`../fixtures/workers/${name}`, import.meta.url);

const pools: ImageWorkerPool[] = [];
const poolOf = (options: ConstructorParameters<typeof ImageWorkerPool>[0]) => {
  const pool = new ImageWorkerPool(options);
  pools.push(pool);
  return pool;
};
afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.close()));
});

/** Good and bad files of every kind the decoder tells apart. */
async function sampleFiles(): Promise<[string, Uint8Array][]> {
  const good = await encodeJpeg(scene(120, 90, 1));
  return [
    ['photo.jpg', good],
    ['other.jpg', await encodeJpeg(scene(160, 120, 2), 60)],
    ['grey.png', await encodePng(greyImage(64, 48, (x, y) => (x * 4 + y) % 256))],
    ['corrupt.jpg', good.subarray(0, good.length / 2)],
    ['empty.jpg', new Uint8Array()],
    ['notes.jpg', new TextEncoder().encode('a text file, not a JPEG')],
    ['bomb.png', pngClaiming(30000, 30000)],
  ];
}

describe('ImageWorkerPool', () => {
  it('copies bytes that are a view into a larger buffer instead of detaching the whole buffer', async () => {
    // Prepare: the image sits in the first half of a buffer the caller still uses.
    const jpeg = await encodeJpeg(scene(120, 90, 1));
    const shared = new Uint8Array(jpeg.length * 2);
    shared.set(jpeg);
    const pool = poolOf({ workers: 1 });

    // Act
    const analysis = await pool.analyze(shared.subarray(0, jpeg.length), 'view.jpg');

    // Assert
    expect(analysis).toEqual(await analyzeImage(jpeg, new SharpDecoder()));
    expect(shared.byteLength).toBe(jpeg.length * 2);
    expect(shared.subarray(0, jpeg.length)).toEqual(new Uint8Array(jpeg));
  });

  it('gives the same analysis as the main thread for good and bad images alike', async () => {
    // Prepare
    const files = await sampleFiles();
    const decoder = new SharpDecoder();
    const expected = await Promise.all(files.map(([, bytes]) => analyzeImage(bytes, decoder)));
    const pool = poolOf({ workers: 2 });

    // Act: copies, since the pool takes the buffers it is given
    const actual = await Promise.all(
      files.map(([key, bytes]) => pool.analyze(Uint8Array.from(bytes), key)),
    );

    // Assess
    expect(actual).toEqual(expected.map(anyLibvipsDetail));
    expect(actual.map((a) => (a.ok ? 'ok' : a.reason))).toEqual([
      'ok',
      'ok',
      'ok',
      'corrupt',
      'empty-file',
      'not-an-image',
      'too-many-pixels',
    ]);
  });

  it('profiles a folder into the same bytes as the main thread, bad files counted the same', async () => {
    await withTempDir(async (dir) => {
      // Prepare
      for (const [name, bytes] of await sampleFiles()) await writeFile(path.join(dir, name), bytes);
      for (let seed = 3; seed < 12; seed++)
        await writeFile(path.join(dir, `img_${seed}.jpg`), await encodeJpeg(scene(96, 72, seed)));
      const options = {
        dataset: 'pets',
        window: { start: 'day_1', end: 'day_1' },
        decoder: new SharpDecoder(),
      };

      // Act
      const main = await profileImages(await listImageFiles(dir), options);
      const pooled = await profileImages(await listImageFiles(dir), {
        ...options,
        analyzer: poolOf({ workers: 2 }),
      });

      // Assess
      expect(pooled.unreadable).toEqual(main.unreadable.map(anyLibvipsDetail));
      expect(pooled.profile.images).toBe(12);
      expect(pooled.profile.unreadable).toEqual({
        corrupt: 1,
        'empty-file': 1,
        'not-an-image': 1,
        'too-many-pixels': 1,
      });
      expect(Buffer.from(encodeProfile(pooled.profile))).toEqual(
        Buffer.from(encodeProfile(main.profile)),
      );
    });
  });

  it('refuses images above its pixel limit before decoding, as the main thread does', async () => {
    const bytes = await encodeJpeg(scene(100, 80, 1));
    const pool = poolOf({ workers: 1, maxPixels: 100 * 79 });

    const analysis = await pool.analyze(bytes, 'big.jpg');

    expect(analysis).toEqual(await analyzeImage(bytes, new SharpDecoder(100 * 79)));
    expect(analysis).toMatchObject({ ok: false, reason: 'too-many-pixels' });
  });

  it('starts no more workers than asked, and none are left after close', async () => {
    const pool = poolOf({ workers: 2 });
    const bytes = await encodeJpeg(scene(64, 48, 1));
    expect(pool.running).toBe(0);

    await Promise.all(Array.from({ length: 6 }, (_, i) => pool.analyze(bytes.slice(), `${i}`)));
    const running = pool.running;
    await pool.close();

    expect(running).toBe(2);
    expect(pool.running).toBe(0);
    await expect(pool.analyze(bytes.slice(), 'late.jpg')).rejects.toThrow(/closed/);
  });

  it('fails only the image whose analysis threw, naming it, and goes on with the rest', async () => {
    const pool = poolOf({ workers: 1, entry: fixture('failing-image-worker.mjs') });

    const outcomes = await Promise.allSettled(
      ['a.jpg', 'throws.jpg', 'b.jpg'].map((key) => pool.analyze(new Uint8Array(4), key)),
    );

    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const error = (outcomes[1] as PromiseRejectedResult).reason;
    expect(error).toBeInstanceOf(ImageWorkerError);
    expect(error).toMatchObject({ key: 'throws.jpg', message: 'throws.jpg: bad plane size' });
  });

  it('replaces a worker that dies mid-task: that image fails, the others are analysed', async () => {
    const pool = poolOf({ workers: 1, entry: fixture('failing-image-worker.mjs') });

    const outcomes = await Promise.allSettled(
      ['a.jpg', 'dies.jpg', 'b.jpg'].map((key) => pool.analyze(new Uint8Array(4), key)),
    );

    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason.message).toMatch(
      /^dies\.jpg: image worker stopped: the worker exited with code 3/,
    );
    expect(pool.running).toBe(1);
  });

  it('fails every image with the reason when its workers cannot start, and starts no more', async () => {
    const pool = poolOf({ workers: 2, entry: fixture('broken-image-worker.mjs') });

    const outcomes = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) => pool.analyze(new Uint8Array(4), `${i}.jpg`)),
    );
    const later = pool.analyze(new Uint8Array(4), 'later.jpg');

    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      expect((outcome as PromiseRejectedResult).reason.message).toMatch(/cannot load sharp/);
    }
    await expect(later).rejects.toThrow(/cannot load sharp/);
    expect(pool.running).toBe(0);
  });

  it('never keeps the process alive: a pool left open lets node exit once its work is done', async () => {
    const script = fileURLToPath(fixture('unclosed-pool.ts'));

    // A hanging process would fail here by the timeout, not wait for the test's.
    const { stdout } = await promisify(execFile)('node', ['--import', 'tsx', script], {
      timeout: 30_000,
    });

    expect(JSON.parse(stdout)).toEqual({ reason: 'empty-file', running: 1 });
  });

  it('refuses a pool of no workers', () => {
    expect(() => new ImageWorkerPool({ workers: 0 })).toThrow(RangeError);
  });
});
