import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeJpeg } from '../../lambdas/adapters/sharp-codec.ts';
import { buildScenario, VALIDATION_LABELS } from '../../lambdas/scenario/build-scenario.ts';
import { syntheticPhoto } from '../../lambdas/scenario/synthetic-photo.ts';
import { withTempDir } from '../helpers/files.ts';

/** A small scenario: 2 days of 4 images, 6 reference images, fault from day 2. */
const SMALL = { referenceSize: 6, perDay: 4, days: 2, faultFromDay: 2, width: 64, height: 48 };

const csvRows = async (file: string) =>
  (await readFile(file, 'utf8'))
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(','));

describe('buildScenario', () => {
  it('writes reference/ as a labelled validation set with predictions, and never the training split', async () => {
    await withTempDir(async (dir) => {
      const scenario = await buildScenario({ ...SMALL, trainingSize: 12, out: dir });
      expect((await readdir(dir)).sort()).toEqual([
        'day_1',
        'day_2',
        'labels',
        'reference',
        'scenario.json',
      ]);
      const reference = scenario.images.filter((i) => i.folder === 'reference');
      expect(reference).toHaveLength(6);
      const predicted = await csvRows(path.join(dir, 'reference', 'predictions.csv'));
      expect(predicted.map(([file]) => file)).toEqual(reference.map((i) => i.file));
      for (const [, prediction, confidence] of predicted) {
        expect(['cat', 'dog']).toContain(prediction);
        expect(Number(confidence)).toBeGreaterThanOrEqual(0.5);
      }
      // Exact labels, naming each reference image by its path.
      expect(await csvRows(path.join(dir, 'labels', VALIDATION_LABELS))).toEqual(
        reference.map((i) => [`reference/${i.file}`, i.animal]),
      );
      // File names are unique across folders, so a bare name in a label file is never ambiguous.
      const names = scenario.images.map((i) => i.file);
      expect(new Set(names).size).toBe(names.length);
    });
  });

  it('keeps a seed’s reference and day images whatever the training split’s size', async () => {
    await withTempDir(async (dir) => {
      const a = await buildScenario({ ...SMALL, trainingSize: 4, out: path.join(dir, 'a') });
      const b = await buildScenario({ ...SMALL, trainingSize: 10, out: path.join(dir, 'b') });
      expect(b.images).toEqual(a.images);
      for (const image of a.images.slice(0, 3)) {
        const bytes = (root: string) => readFile(path.join(root, image.folder, image.file));
        expect((await bytes(b.root)).equals(await bytes(a.root))).toBe(true);
      }
    });
  });

  it('counts the training split in the photos --images needs', async () => {
    await withTempDir(async (dir) => {
      const photos = path.join(dir, 'photos');
      await mkdir(photos);
      for (let i = 0; i < 10; i++)
        await writeFile(
          path.join(photos, `cat.${i}.jpg`),
          await encodeJpeg(syntheticPhoto(32, 24, i, 'cat')),
        );
      await expect(
        buildScenario({ ...SMALL, trainingSize: 5, images: photos, out: path.join(dir, 'out') }),
      ).rejects.toThrow('--images needs at least 19 photos');
    });
  });
});
