import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileLabelStore } from '../../lambdas/adapters/local/file-label-store.ts';
import { FileNightStore } from '../../lambdas/adapters/local/file-night-store.ts';
import { LocalPredictionIndex } from '../../lambdas/adapters/local/local-predictions.ts';
import { DEFAULT_MONITOR_CONFIG } from '../../lambdas/core/drift/monitor-config.ts';
import { parseItemRef } from '../../lambdas/core/labels/item-ref.ts';
import type { LabelledImage } from '../../lambdas/core/labels/labelled-image.ts';
import { ingestLabels } from '../../lambdas/use-cases/ingest-labels.ts';
import { withTempDir } from '../helpers/files.ts';

async function dayWithPredictions(root: string, rows: string[]) {
  await mkdir(path.join(root, 'day_1'), { recursive: true });
  await writeFile(
    path.join(root, 'day_1', 'predictions.csv'),
    ['image,prediction', ...rows].join('\n'),
  );
}

describe('local predictions for images that do not exist, and long lines', () => {
  it('leaves out and counts predictions for images that are not in the day folder', async () => {
    await withTempDir(async (root) => {
      await dayWithPredictions(root, [
        '../../etc/passwd,cat',
        'img_1.png,dog',
        'missing.png,cat',
        '/var/log/secret.png,cat',
      ]);
      const index = await LocalPredictionIndex.load(root, [
        { day: 'day_1', images: 1, keys: new Set(['day_1/img_1.png']) },
      ]);
      const [passwd, img, missing] = await index.lookup(
        'pets',
        ['passwd', 'img_1.png', 'missing.png'].map(parseItemRef),
      );
      expect(passwd?.status).toBe('unmatched');
      expect(img?.status).toBe('matched');
      expect(missing?.status).toBe('unmatched');
      expect(index.unknownImages('day_1')).toEqual({
        count: 3,
        examples: ['../../etc/passwd', 'missing.png', '/var/log/secret.png'],
      });

      // Labels naming them are unmatched: not in accuracy, not in the manifest.
      const out = path.join(root, 'out');
      const summary = await ingestLabels(
        {
          dataset: 'pets',
          name: 'labels.csv',
          open: () => ['image,label\npasswd,cat\nimg_1.png,cat\nmissing.png,dog\n'],
        },
        {
          predictions: index,
          labels: new FileLabelStore(out),
          nights: new FileNightStore(out),
          notifier: { publish: async () => {} },
          config: DEFAULT_MONITOR_CONFIG,
          now: () => new Date('2026-12-01T00:00:00Z'),
        },
      );
      expect(summary.labelled).toBe(1);
      expect(summary.unmatched).toBe(2);
      expect(summary.days[0]?.metrics.labelled).toBe(1);
      const manifest: LabelledImage[] = [];
      for await (const l of new FileLabelStore(out).labelsForDay('pets', 'day_1')) manifest.push(l);
      expect(manifest.map((l) => l.key)).toEqual(['day_1/img_1.png']);
    });
  });

  it('refuses a predictions.csv whose header line is longer than 1 MiB after reading 1 MiB of it', async () => {
    await withTempDir(async (root) => {
      await mkdir(path.join(root, 'day_1'), { recursive: true });
      await writeFile(
        path.join(root, 'day_1', 'predictions.csv'),
        `image,${'p'.repeat(3 * 1024 * 1024)}`,
      );
      const unread: string[] = [];
      const index = await LocalPredictionIndex.load(root, [{ day: 'day_1', images: 1 }], (_, e) =>
        unread.push(e.message),
      );
      expect(await index.lookup('pets', [parseItemRef('img_1.png')])).toEqual([
        { status: 'unmatched' },
      ]);
      expect(unread).toEqual([
        expect.stringMatching(
          /predictions\.csv: its header line is longer than 1048576 bytes; not read$/,
        ),
      ]);
    });
  });

  it('names a malformed predictions.csv and quotes only the start of it', async () => {
    await withTempDir(async (root) => {
      await dayWithPredictions(root, [`img_1.png,"${'x'.repeat(2 * 1024 * 1024)}`]);
      const load = LocalPredictionIndex.load(root, [{ day: 'day_1', images: 1 }]);
      await expect(load).rejects.toThrow(/predictions\.csv is not a readable CSV/);
      const message = await load.then(
        () => '',
        (e: Error) => e.message,
      );
      expect(message.length).toBeLessThan(400);
    });
  });
});
