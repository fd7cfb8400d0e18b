import { symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodeJpeg } from '../../lambdas/adapters/sharp-codec.ts';
import { runCli } from '../helpers/cli.ts';
import { withTempDir } from '../helpers/files.ts';
import { scene } from '../helpers/images.ts';

describe('driftwatch profile / show', () => {
  it('profiles a folder, reports the bad file, and shows the profile', async () => {
    await withTempDir(async (dir) => {
      // Prepare
      for (const seed of [1, 2, 3])
        await writeFile(path.join(dir, `img_${seed}.jpg`), await encodeJpeg(scene(100, 80, seed)));
      await writeFile(path.join(dir, 'broken.jpg'), 'not an image');
      await writeFile(
        path.join(dir, 'predictions.csv'),
        'image,prediction,confidence,model_version\nimg_1.jpg,cat,0.9,r7\nimg_2.jpg,dog,0.7,r7\n',
      );
      await symlink(path.join(dir, 'img_1.jpg'), path.join(dir, 'link.jpg'));
      const out = path.join(dir, 'day.profile');

      // Act
      const profiled = await runCli(['profile', dir, '-o', out, '--dataset', 'pets']);
      const shown = await runCli(['show', out]);
      const json = await runCli(['show', out, '--json']);

      // Assess
      expect(profiled.code).toBe(0);
      expect(profiled.stdout).toMatch(/Profiled 3 image\(s\), 1 unreadable/);
      expect(profiled.stdout).toMatch(/broken\.jpg: not-an-image/);
      expect(profiled.stdout).toMatch(/not read\s+link\.jpg: symbolic link, not followed/);
      expect(shown.stdout).toMatch(/Dataset pets/);
      expect(shown.stdout).toMatch(/^sharpness\s+3\s+0\s/m);
      const summary = JSON.parse(json.stdout);
      expect(summary.images).toBe(3);
      expect(summary.unreadableByReason).toEqual({ 'not-an-image': 1 });
      // The folder's predictions.csv is profiled too: img_3.jpg has no prediction.
      expect(summary.modelOutputs).toMatchObject({
        predictions: 2,
        withoutPrediction: 1,
        versions: { r7: 2 },
        classes: { cat: 1, dog: 1 },
      });
      expect(shown.stdout).toMatch(/Model outputs: 2 prediction\(s\), 1 image\(s\) without one/);
    });
  });

  it('prints help for every command', async () => {
    for (const args of [['--help'], ['profile', '--help'], ['show', '--help']]) {
      const result = await runCli(args);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/Usage: driftwatch/);
    }
  });

  it('fails with a clear message when the profile file is not a profile', async () => {
    await withTempDir(async (dir) => {
      const file = path.join(dir, 'bogus.profile');
      await writeFile(file, 'nope');
      const result = await runCli(['show', file]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/not a Driftwatch profile/);
    });
  });

  it('refuses a deflate-bomb profile, naming the file and the limit', async () => {
    await withTempDir(async (dir) => {
      // 64 MiB of zeros behind a valid header: 64 KB on disk.
      const file = path.join(dir, 'bomb.profile');
      const body = deflateRawSync(new Uint8Array(64 * 1024 * 1024), { level: 9 });
      await writeFile(file, Buffer.concat([Buffer.from('DWPF\x01', 'latin1'), body]));
      const result = await runCli(['show', file]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        `${file}: corrupt profile: the body inflates to more than 8 MiB (the limit); refused`,
      );
    });
  });
});
