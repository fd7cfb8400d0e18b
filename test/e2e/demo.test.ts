import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeJpeg } from '../../lambdas/adapters/sharp-codec.ts';
import { syntheticPhoto } from '../../lambdas/scenario/synthetic-photo.ts';
import { runCli } from '../helpers/cli.ts';
import { withTempDir } from '../helpers/files.ts';

interface DemoDay {
  day: string;
  images: number;
  alerts: { monitor: string; feature?: string }[];
  performance?: {
    labelled: number;
    accuracy: number;
    confusion: Record<string, Record<string, number>>;
  };
  estimatedPerformance?: { accuracy: number; calibratedOn: string[] };
}

/** Per day, whether it alerts: the camera fault starts on day 4. */
const ALERTS_FROM_DAY_4 = [false, false, false, true, true, true, true];

describe('driftwatch demo', () => {
  it('alerts from day 4, when the camera fault starts, and never on days 1–3', async () => {
    await withTempDir(async (dir) => {
      // A smaller version of `npm run demo` (60 images a day, 80 reference, 80 to train on) to keep
      // the suite fast.
      const result = await runCli([
        'demo',
        '--out',
        path.join(dir, 'demo'),
        '--per-day',
        '60',
        '--reference',
        '80',
        '--training',
        '80',
        '--json',
      ]);
      expect(result.code).toBe(0);
      const days: DemoDay[] = JSON.parse(result.stdout).days;
      expect(days.map((d) => d.day)).toEqual([
        'day_1',
        'day_2',
        'day_3',
        'day_4',
        'day_5',
        'day_6',
        'day_7',
      ]);
      expect(days.map((d) => d.images)).toEqual([60, 60, 60, 60, 60, 60, 60]);
      expect(days.map((d) => d.alerts.length > 0)).toEqual(ALERTS_FROM_DAY_4);
      const moved = new Set(days[3]?.alerts.map((a) => a.feature));
      expect(moved.has('sharpness') || moved.has('isolated.fraction')).toBe(true);
      // Labels arrive for every day: accuracy is computed per prediction day and falls with the fault.
      const accuracy = days.map((d) => d.performance?.accuracy ?? Number.NaN);
      expect(Math.max(...accuracy.slice(3))).toBeLessThan(Math.min(...accuracy.slice(0, 3)));
      expect(days.slice(3).some((d) => d.alerts.some((a) => a.monitor === 'model-accuracy'))).toBe(
        true,
      );
      expect(days.slice(0, 3).some((d) => d.alerts.length > 0)).toBe(false);
      // The labelled validation reference calibrates the estimate before any day has labels.
      expect(days[0]?.estimatedPerformance?.calibratedOn).toEqual(['reference']);
    });
  }, 180_000);
});

describe('driftwatch demo --images', () => {
  it('builds the same story from the user’s own cat.N.jpg / dog.N.jpg photos', async () => {
    await withTempDir(async (dir) => {
      const photos = path.join(dir, 'photos');
      await mkdir(photos);
      for (let i = 0; i < 130; i++) {
        const animal = i % 2 ? 'dog' : 'cat';
        await writeFile(
          path.join(photos, `${animal}.${i}.jpg`),
          await encodeJpeg(syntheticPhoto(200, 150, 500 + i, animal)),
        );
      }
      const result = await runCli([
        'demo',
        '--images',
        photos,
        '--out',
        path.join(dir, 'demo'),
        '--per-day',
        '10',
        '--reference',
        '30',
        '--training',
        '30',
        '--json',
      ]);
      expect(result.code).toBe(0);
      const days: { images: number; alerts: unknown[] }[] = JSON.parse(result.stdout).days;
      expect(days.map((d) => d.images)).toEqual([10, 10, 10, 10, 10, 10, 10]);
      expect(days.map((d) => d.alerts.length > 0)).toEqual(ALERTS_FROM_DAY_4);

      const tooFew = await runCli([
        'demo',
        '--images',
        photos,
        '--out',
        path.join(dir, 'demo2'),
        '--per-day',
        '100',
      ]);
      expect(tooFew.code).toBe(1);
      expect(tooFew.stderr).toMatch(/needs at least 1100 photos named like cat\.1\.jpg/);
    });
  }, 180_000);
});
