import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeJpeg } from '../../lambdas/adapters/sharp-codec.ts';
import { cameraIds, type FleetSpec, renderFrame } from '../../lambdas/scenario/fleet.ts';
import { runCli } from '../helpers/cli.ts';
import { withTempDir } from '../helpers/files.ts';

const FLEET: FleetSpec = { cameras: 6, framesPerDay: 20, width: 96, height: 72, seed: 7 };

/** One folder per camera under the day folder, as a fleet's uploads would be laid out. */
async function writeDay(root: string, folder: string, day: number, faulty?: string) {
  for (const camera of cameraIds(FLEET)) {
    await mkdir(path.join(root, folder, camera), { recursive: true });
    for (let frame = 0; frame < FLEET.framesPerDay; frame++) {
      const image = await renderFrame(
        FLEET,
        camera,
        day,
        frame,
        camera === faulty ? 'pixelation' : undefined,
      );
      await writeFile(
        path.join(root, folder, camera, `frame_${day}_${frame}.jpg`),
        await encodeJpeg(image, 90),
      );
    }
  }
}

describe('driftwatch run on a fleet with one sub-folder per camera', () => {
  it('names the one faulty camera in the JSON alerts, the digest and the report, with its own charts', async () => {
    await withTempDir(async (root) => {
      await writeDay(root, 'reference', -1);
      for (const day of [1, 2, 3]) await writeDay(root, `day_${day}`, day);
      await writeDay(root, 'day_4', 4, 'cam003');

      const result = await runCli(['run', root, '--json']);

      expect(result.code).toBe(0);
      const json = JSON.parse(result.stdout);
      for (const day of json.days.slice(0, 3)) expect(day.alerts).toEqual([]);
      const last = json.days[3];
      expect(last.segments).toHaveLength(6);
      expect(last.alerts.length).toBeGreaterThan(0);
      expect(new Set(last.alerts.map((a: { segment?: string }) => a.segment))).toEqual(
        new Set(['cam003']),
      );
      const digest = await readFile(
        path.join(json.out, 'alerts', encodeURIComponent(json.dataset), 'day_4.txt'),
        'utf8',
      );
      const report = await readFile(json.report, 'utf8');
      expect(report).toContain('data-segment="cam003" data-alerts="');
      expect(report).not.toMatch(/data-segment="cam00[^3]" data-alerts="[1-9]/);
      // What moved is drawn from cam003's own frames against its own reference.
      expect(report).toMatch(/<h3>cam003 · [a-z.]+<\/h3>/);
      expect(digest).toContain('BY SEGMENT');
      expect(digest).toContain('cam003 (');
      expect(digest).not.toMatch(/cam00[^3] \(/);
    });
  });
});
