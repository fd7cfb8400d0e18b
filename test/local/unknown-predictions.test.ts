import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { SharpDecoder } from '../../lambdas/adapters/sharp-codec.ts';
import { DEFAULT_MONITOR_CONFIG } from '../../lambdas/core/drift/monitor-config.ts';
import { runFolder } from '../../lambdas/local/run-folder.ts';
import { withTempDir } from '../helpers/files.ts';

const png = (red: number) =>
  sharp({ create: { width: 16, height: 16, channels: 3, background: { r: red, g: 80, b: 120 } } })
    .png()
    .toBuffer();

describe('driftwatch run with predictions for images that do not exist', () => {
  it('leaves them out of accuracy and the manifest, and says how many there were', async () => {
    await withTempDir(async (root) => {
      await mkdir(path.join(root, 'day_1'));
      await mkdir(path.join(root, 'labels'));
      await writeFile(path.join(root, 'day_1', 'img_1.png'), await png(10));
      await writeFile(path.join(root, 'day_1', 'img_2.png'), await png(200));
      await writeFile(
        path.join(root, 'day_1', 'predictions.csv'),
        'image,prediction\nimg_1.png,cat\nimg_2.png,dog\n../../etc/passwd,cat\n',
      );
      await writeFile(
        path.join(root, 'labels', 'labels.csv'),
        'image,label\nimg_1.png,cat\nimg_2.png,cat\npasswd,cat\n',
      );
      const log: string[] = [];
      const run = await runFolder({
        root,
        config: DEFAULT_MONITOR_CONFIG,
        decoder: new SharpDecoder(),
        now: () => new Date('2026-12-01T00:00:00Z'),
        log: (m) => log.push(m),
      });
      const day = run.days[0];
      expect(day?.unknownPredictions).toBe(1);
      expect(day?.performance?.metrics.labelled).toBe(2);
      expect(day?.performance?.metrics.accuracy).toBe(0.5);
      expect(run.labelFiles[0]?.unmatched).toBe(1);
      expect(log).toContain(
        'day_1/predictions.csv: 1 prediction names an image not in the day folder ("../../etc/passwd"); not used for accuracy or the manifest.',
      );
    });
  });
});
