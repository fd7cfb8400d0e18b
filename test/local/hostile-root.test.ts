import { mkdir, readdir, readFile, symlink, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeJpeg, SharpDecoder, thumbnailDataUri } from '../../lambdas/adapters/sharp-codec.ts';
import { DEFAULT_MONITOR_CONFIG } from '../../lambdas/core/drift/monitor-config.ts';
import { decodeProfile, encodeProfile } from '../../lambdas/core/profile/profile-codec.ts';
import { runFolder } from '../../lambdas/local/run-folder.ts';
import { withTempDir } from '../helpers/files.ts';
import { boxBlur, rgbImage, scene, withGaussianNoise } from '../helpers/images.ts';

const run = (root: string) =>
  runFolder({ root, config: DEFAULT_MONITOR_CONFIG, decoder: new SharpDecoder() });

async function writeDay(folder: string, count: number, seed: number, blur = false) {
  await mkdir(folder, { recursive: true });
  for (let i = 0; i < count; i++) {
    let image = withGaussianNoise(scene(96, 72, seed * 1000 + i), 3, seed * 1000 + i);
    if (blur) image = boxBlur(image, 2);
    await writeFile(path.join(folder, `img_${i}.jpg`), await encodeJpeg(image, 90));
  }
}

/** A sparse file: `bytes` long, no disk used. */
async function sparse(file: string, bytes: number) {
  await writeFile(file, '');
  await truncate(file, bytes);
}

describe('local mode with a hostile root', () => {
  it('refuses a symbolic-linked .driftwatch and writes nothing through it', async () => {
    await withTempDir(async (dir) => {
      const root = path.join(dir, 'root');
      const elsewhere = path.join(dir, 'elsewhere');
      await writeDay(path.join(root, 'day_1'), 2, 1);
      await mkdir(elsewhere);
      await symlink(elsewhere, path.join(root, '.driftwatch'));

      await expect(run(root)).rejects.toThrow(/\.driftwatch is a symbolic link/);
      expect(await readdir(elsewhere)).toEqual([]);
    });
  });

  it('refuses a link deeper in .driftwatch (the cache folder) as well', async () => {
    await withTempDir(async (dir) => {
      const root = path.join(dir, 'root');
      const elsewhere = path.join(dir, 'elsewhere');
      await writeDay(path.join(root, 'day_1'), 2, 1);
      await mkdir(path.join(root, '.driftwatch'));
      await mkdir(elsewhere);
      await symlink(elsewhere, path.join(root, '.driftwatch', 'cache'));

      await expect(run(root)).rejects.toThrow(/cache is a symbolic link/);
      expect(await readdir(elsewhere)).toEqual([]);
    });
  });

  it('refuses a link in a folder it writes under an --out folder, before profiling anything', async () => {
    await withTempDir(async (dir) => {
      const root = path.join(dir, 'root');
      const out = path.join(dir, 'out');
      const elsewhere = path.join(dir, 'elsewhere');
      await writeDay(path.join(root, 'day_1'), 2, 1);
      await mkdir(out);
      await mkdir(elsewhere);
      await writeFile(path.join(elsewhere, 'keep.txt'), 'mine');
      await symlink(elsewhere, path.join(out, 'report'));

      const outcome = runFolder({
        root,
        out,
        config: DEFAULT_MONITOR_CONFIG,
        decoder: new SharpDecoder(),
      });

      await expect(outcome).rejects.toThrow(/report is a symbolic link/);
      expect(await readdir(elsewhere)).toEqual(['keep.txt']);
    });
  });

  it('reports linked files and day folders and does not follow a linked reference/', async () => {
    await withTempDir(async (dir) => {
      const root = path.join(dir, 'root');
      const outside = path.join(dir, 'outside');
      await writeDay(path.join(root, 'day_1'), 3, 1);
      await writeDay(outside, 3, 2);
      await symlink(path.join(outside, 'img_0.jpg'), path.join(root, 'day_1', 'link.jpg'));
      await symlink(outside, path.join(root, 'day_2'));
      await symlink(outside, path.join(root, 'reference'));

      const result = await run(root);

      expect(result.days.map((d) => [d.day, d.images, d.unreadable])).toEqual([['day_1', 3, 0]]);
      expect(result.reference).toBeUndefined();
      expect(result.skipped).toEqual(
        expect.arrayContaining([
          { key: 'day_2', reason: 'symbolic link, not followed' },
          { key: 'reference', reason: 'symbolic link, not followed' },
          { key: 'day_1/link.jpg', reason: 'symbolic link, not followed' },
        ]),
      );
      expect(result.skipped).toHaveLength(3);
    });
  });

  it('refuses images, predictions and label files above their size limits, and the run goes on', async () => {
    await withTempDir(async (root) => {
      await writeDay(path.join(root, 'day_1'), 3, 1);
      await sparse(path.join(root, 'day_1', 'big.jpg'), 40 * 1024 * 1024);
      await sparse(path.join(root, 'day_1', 'predictions.csv'), 200 * 1024 * 1024);
      await mkdir(path.join(root, 'labels'));
      await sparse(path.join(root, 'labels', 'huge.csv'), 600 * 1024 * 1024);

      const result = await run(root);

      const [day] = result.days;
      expect([day?.images, day?.unreadable]).toEqual([3, 1]);
      expect(day?.unreadableFiles[0]).toEqual({
        key: 'day_1/big.jpg',
        reason: 'too-large',
        detail: 'the object holds 41,943,040 bytes, above the 33,554,432-byte limit',
      });
      expect(result.skipped).toEqual([
        {
          key: 'day_1/predictions.csv',
          reason: 'holds 200 MiB, above the 128 MiB limit; not read',
        },
        { key: 'labels/huge.csv', reason: 'holds 600 MiB, above the 512 MiB limit; not read' },
      ]);
      expect(result.labelFiles).toEqual([]);
    });
  });

  it('embeds no file from outside the root when a tampered cache names one as an extreme image', async () => {
    await withTempDir(async (dir) => {
      const root = path.join(dir, 'root');
      await writeDay(path.join(root, 'reference'), 30, 1);
      await writeDay(path.join(root, 'day_1'), 20, 2);
      await writeDay(path.join(root, 'day_2'), 20, 3, true);
      const outsideImage = await encodeJpeg(
        rgbImage(64, 48, () => [250, 10, 200]),
        90,
      );
      await mkdir(path.join(dir, 'outside'));
      await writeFile(path.join(dir, 'outside', 'x.jpg'), outsideImage);
      expect((await run(root)).days[1]?.alerts.length).toBeGreaterThan(0);

      // Tamper with day_2's cached profile: every extreme image is now ../outside/x.jpg.
      const cache = path.join(root, '.driftwatch', 'cache');
      const entry = (await readdir(cache)).find(
        (n) => n.startsWith('day_2.') && n.endsWith('.profile'),
      );
      const file = path.join(cache, entry as string);
      const profile = decodeProfile(await readFile(file));
      for (const column of profile.numeric.values()) {
        const outside = (list: typeof column.lowest) =>
          list.map((e) => ({ ...e, key: '../outside/x.jpg' }));
        Object.assign(column, { lowest: outside(column.lowest), highest: outside(column.highest) });
      }
      await writeFile(file, encodeProfile(profile));

      const result = await run(root);

      expect(result.days[1]?.fromCache).toBe(true);
      const html = await readFile(result.report as string, 'utf8');
      // (includes, not toContain: a failure would print the whole report)
      expect(html.includes((await thumbnailDataUri(outsideImage)) as string)).toBe(false);
    });
  });
});
