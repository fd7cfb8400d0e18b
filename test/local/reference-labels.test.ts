import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { FileLabelStore } from '../../lambdas/adapters/local/file-label-store.ts';
import { SharpDecoder } from '../../lambdas/adapters/sharp-codec.ts';
import { DEFAULT_MONITOR_CONFIG } from '../../lambdas/core/drift/monitor-config.ts';
import { runFolder } from '../../lambdas/local/run-folder.ts';
import { withTempDir } from '../helpers/files.ts';

const png = (shade: number) =>
  sharp({
    create: { width: 16, height: 16, channels: 3, background: { r: shade, g: 80, b: 120 } },
  })
    .png()
    .toBuffer();

/**
 * Reference images: 40 at confidences evenly spread over [0.5, 1), the model right on the 30 it
 * is most confident about (75%): the ATC threshold is 0.625.
 */
const REFERENCE = 40;
const confidenceOf = (i: number, count: number) => 0.5 + i / (2 * count);

/** A folder of `count` images named `<prefix><i>.png` with predictions.csv (all "cat"). */
async function folderOf(folder: string, prefix: string, count: number) {
  await mkdir(folder, { recursive: true });
  const rows = ['image,prediction,confidence'];
  for (let i = 0; i < count; i++) {
    await writeFile(path.join(folder, `${prefix}${i}.png`), await png(40 + i));
    rows.push(`${prefix}${i}.png,cat,${confidenceOf(i + 0.5, count).toFixed(4)}`);
  }
  await writeFile(path.join(folder, 'predictions.csv'), `${rows.join('\n')}\n`);
}

/** Validation labels naming the reference images by their path: the 10 least confident are dogs. */
const validationLabels = [
  'image,label',
  ...Array.from(
    { length: REFERENCE },
    (_, i) => `reference/ref_${i}.png,${i < 10 ? 'dog' : 'cat'}`,
  ),
].join('\n');

async function runWithReference(root: string, reference?: string) {
  await folderOf(reference ?? path.join(root, 'reference'), 'ref_', REFERENCE);
  await folderOf(path.join(root, 'day_1'), 'a_', 20);
  await folderOf(path.join(root, 'day_2'), 'b_', 20);
  await mkdir(path.join(root, 'labels'));
  await writeFile(path.join(root, 'labels', 'validation-labels.csv'), validationLabels);
  return runFolder({
    root,
    reference,
    config: DEFAULT_MONITOR_CONFIG,
    decoder: new SharpDecoder(),
    now: () => new Date('2026-12-01T00:00:00Z'),
  });
}

describe('driftwatch run with a labelled reference', () => {
  it('calibrates the first day’s estimate on the reference labels, never judging the reference as a day', async () => {
    await withTempDir(async (root) => {
      const run = await runWithReference(root);
      expect(run.days.map((d) => d.day)).toEqual(['day_1', 'day_2']);
      expect(run.labelFiles[0]).toMatchObject({ labelled: REFERENCE, days: [], alerts: [] });
      expect(run.labelFiles[0]?.reference?.metrics.accuracy).toBe(0.75);
      for (const day of run.days) {
        expect(day.performance).toBeUndefined();
        expect(day.estimatedPerformance?.calibratedOn).toEqual(['reference']);
      }
      // Day 1's confidences are spread like the reference's: 15 of its 20 lie above 0.625.
      expect(run.days[0]?.estimatedPerformance?.accuracy).toBe(0.75);
      const store = new FileLabelStore(run.out);
      expect((await store.loadPerformance(run.dataset, 'reference'))?.metrics.labelled).toBe(
        REFERENCE,
      );
    });
  });

  it('joins the labels of a reference named with --reference outside the root', async () => {
    await withTempDir(async (dir) => {
      const root = path.join(dir, 'root');
      const run = await runWithReference(root, path.join(dir, 'validation'));
      expect(run.labelFiles[0]?.labelled).toBe(REFERENCE);
      expect(run.days[0]?.estimatedPerformance?.calibratedOn).toEqual(['reference']);
    });
  });
});
