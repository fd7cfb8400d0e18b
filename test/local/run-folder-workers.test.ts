import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ImageWorkerPool } from '../../lambdas/adapters/local/image-worker-pool.ts';
import { encodeJpeg, encodePng, SharpDecoder } from '../../lambdas/adapters/sharp-codec.ts';
import { DEFAULT_MONITOR_CONFIG } from '../../lambdas/core/drift/monitor-config.ts';
import { runFolder } from '../../lambdas/local/run-folder.ts';
import type { ImageAnalyzer } from '../../lambdas/ports/image-analyzer.ts';
import { withTempDir } from '../helpers/files.ts';
import { pixelate, scene } from '../helpers/images.ts';

/** A small run folder: a reference, two days (one with camera sub-folders) and bad files. */
async function writeRoot(root: string): Promise<void> {
  const write = async (file: string, bytes: Uint8Array | string) => {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), bytes);
  };
  for (let i = 0; i < 8; i++)
    await write(`reference/ref_${i}.jpg`, await encodeJpeg(scene(96, 72, 100 + i)));
  for (let i = 0; i < 6; i++) {
    await write(`day_1/img_${i}.jpg`, await encodeJpeg(scene(96, 72, 200 + i)));
    await write(`day_2/cam_${i % 2}/img_${i}.png`, await encodePng(pixelate(scene(96, 72, i), 8)));
  }
  await write('day_1/zero.jpg', new Uint8Array());
  await write('day_2/cam_1/notes.jpg', 'not an image');
  await write('day_1/predictions.csv', 'image,prediction,confidence\nimg_0.jpg,cat,0.9\n');
}

/** Every file under `dir`, relative path → bytes. */
async function filesUnder(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true }))
    if (entry.isFile()) {
      const file = path.join(entry.parentPath, entry.name);
      files.set(path.relative(dir, file), await readFile(file));
    }
  return files;
}

const runWith = (root: string, analyzer: ImageAnalyzer | undefined) =>
  runFolder({
    root,
    dataset: 'pets',
    config: DEFAULT_MONITOR_CONFIG,
    decoder: new SharpDecoder(),
    analyzer,
    now: () => new Date('2026-12-01T00:00:00Z'),
  });

describe('driftwatch run with worker threads', () => {
  it('writes byte-identical profiles with 2 workers and with none', async () => {
    await withTempDir(async (dir) => {
      // Prepare: the same folder twice, so neither run reads the other's cache
      const [mainRoot, pooledRoot] = [path.join(dir, 'main'), path.join(dir, 'pooled')];
      await writeRoot(mainRoot);
      await writeRoot(pooledRoot);
      const pool = new ImageWorkerPool({ workers: 2 });

      // Act
      const main = await runWith(mainRoot, undefined);
      const pooled = await runWith(pooledRoot, pool).finally(() => pool.close());

      // Assess
      const mainFiles = await filesUnder(main.out);
      const pooledFiles = await filesUnder(pooled.out);
      const profiles = [...mainFiles.keys()].filter((f) => f.endsWith('.profile'));
      expect(profiles.length).toBeGreaterThanOrEqual(6);
      expect([...pooledFiles.keys()].sort()).toEqual([...mainFiles.keys()].sort());
      for (const file of profiles) expect(pooledFiles.get(file), file).toEqual(mainFiles.get(file));
      expect(pooled.days.map((d) => [d.day, d.images, d.unreadable])).toEqual([
        ['day_1', 6, 1],
        ['day_2', 6, 1],
      ]);
      expect(pooled.days.map((d) => d.unreadableFiles)).toEqual(
        main.days.map((d) => d.unreadableFiles),
      );
      expect(pooled.days.map((d) => d.results)).toEqual(main.days.map((d) => d.results));
    });
  });
});
