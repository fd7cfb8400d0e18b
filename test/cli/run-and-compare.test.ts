import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeJpeg } from '../../lambdas/adapters/sharp-codec.ts';
import { runCli } from '../helpers/cli.ts';
import { withTempDir } from '../helpers/files.ts';
import { boxBlur, scene, withGaussianNoise } from '../helpers/images.ts';

async function writeDay(root: string, folder: string, count: number, seed: number, blur = false) {
  await mkdir(path.join(root, folder), { recursive: true });
  for (let i = 0; i < count; i++) {
    let image = withGaussianNoise(scene(96, 72, seed * 1000 + i), 3, seed * 1000 + i);
    if (blur) image = boxBlur(image, 2);
    await writeFile(path.join(root, folder, `img_${i}.jpg`), await encodeJpeg(image, 90));
  }
}

describe('driftwatch run', () => {
  it('prints exactly one JSON document with per-day images, unreadable files and alerts', async () => {
    await withTempDir(async (root) => {
      // Prepare: a reference, two clean days, a blurred day with one broken file, and labels/ (not a day)
      await writeDay(root, 'reference', 40, 1);
      await writeDay(root, 'day_1', 20, 2);
      await writeDay(root, 'day_2', 20, 3);
      await writeDay(root, 'day_10', 20, 4, true);
      await writeFile(path.join(root, 'day_10', 'broken.jpg'), 'oops');
      await mkdir(path.join(root, 'labels'));

      // Act
      const result = await runCli(['run', root, '--json']);

      // Assess
      expect(result.code).toBe(0);
      const json = JSON.parse(result.stdout);
      expect(json.days.map((d: { day: string }) => d.day)).toEqual(['day_1', 'day_2', 'day_10']);
      expect(json.days.map((d: { images: number }) => d.images)).toEqual([20, 20, 20]);
      expect(json.days.map((d: { unreadable: number }) => d.unreadable)).toEqual([0, 0, 1]);
      expect(json.days[0].alerts).toEqual([]);
      expect(json.days[1].alerts).toEqual([]);
      const features = json.days[2].alerts.map((a: { feature?: string }) => a.feature);
      expect(features).toContain('sharpness');
      expect(json.days[2].alerts[0]).toEqual(
        expect.objectContaining({
          monitor: expect.any(String),
          baseline: expect.any(String),
          score: expect.any(Number),
          threshold: expect.any(Number),
        }),
      );

      // A re-run comes from the cache and gives the same answer.
      const again = JSON.parse((await runCli(['run', root, '--json'])).stdout);
      expect(again.days).toEqual(json.days);
    });
  });

  it('explains a missing root, a root without day folders, an empty day and an invalid config', async () => {
    await withTempDir(async (root) => {
      expect((await runCli(['run', path.join(root, 'nope')])).stderr).toMatch(/does not exist/);
      expect((await runCli(['run', root])).stderr).toMatch(/no day folders/);

      await writeDay(root, 'day_1', 5, 5);
      await mkdir(path.join(root, 'day_2'));
      await mkdir(path.join(root, 'day_3'));
      await writeFile(path.join(root, 'day_3', 'a.jpg'), '');
      await writeFile(path.join(root, 'day_3', 'b.jpg'), 'text');
      const run = await runCli(['run', root, '--json']);
      expect(run.code).toBe(0);
      expect(run.stderr).toMatch(/day_2: the folder is empty/);
      expect(run.stderr).toMatch(/day_3: none of the 2 files could be read/);
      const day3 = JSON.parse(run.stdout).days[2];
      expect(day3).toMatchObject({ images: 0, unreadable: 2 });
      expect(day3.alerts.map((a: { monitor: string }) => a.monitor)).toContain('unreadable-files');

      const config = path.join(root, 'bad.json');
      await writeFile(
        config,
        JSON.stringify({ monitors: [{ kind: 'drift', id: 'x', features: ['brightnes'] }] }),
      );
      const invalid = await runCli(['run', root, '--config', config]);
      expect(invalid.code).toBe(1);
      expect(invalid.stderr).toMatch(/monitors\.0\.features\.0: unknown feature "brightnes"/);
    });
  });
});

describe('driftwatch compare', () => {
  it('prints the per-feature drift table between two profiles', async () => {
    await withTempDir(async (root) => {
      await writeDay(root, 'a', 30, 6);
      await writeDay(root, 'b', 30, 7, true);
      await runCli(['profile', path.join(root, 'a'), '-o', path.join(root, 'a.profile')]);
      await runCli(['profile', path.join(root, 'b'), '-o', path.join(root, 'b.profile')]);
      const result = await runCli([
        'compare',
        path.join(root, 'a.profile'),
        path.join(root, 'b.profile'),
      ]);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^sharpness\s+DRIFT/m);
      expect(result.stdout).toMatch(/features drifted/);
    });
  });
});

const holdsRawControls = (text: string) => ['\x1b', '\x07', '\u202e'].some((c) => text.includes(c));

describe('driftwatch run with hostile names', () => {
  it('prints file names and label items holding ESC sequences escaped, never raw', async () => {
    await withTempDir(async (root) => {
      await writeDay(root, 'day_1', 3, 5);
      const evil = 'evil\x1b]0;pwned\x07\x1b[2J\u202egpj.jpg';
      await writeFile(path.join(root, 'day_1', evil), 'not an image');
      // A label row naming an image with ESC sequences and no label: an issue that quotes the name.
      await mkdir(path.join(root, 'labels'));
      await writeFile(
        path.join(root, 'labels', 'labels.csv'),
        'image,label\nday_1/img_0.jpg,cat\nevil\x1b[2J.jpg,\n',
      );

      const result = await runCli(['run', root]);

      expect(result.code).toBe(0);
      expect(holdsRawControls(result.stdout + result.stderr)).toBe(false);
      expect(result.stdout).toContain('day_1/evil\\x1b]0;pwned\\x07\\x1b[2J\\u202egpj.jpg');
      expect(result.stderr).toContain('no label for evil\\x1b[2J.jpg');
      const json = await runCli(['run', root, '--json']);
      expect(holdsRawControls(json.stdout)).toBe(false);
      expect(JSON.parse(json.stdout).days[0].unreadable).toBe(1);
    });
  });
});
