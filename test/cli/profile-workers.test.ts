import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeJpeg } from '../../lambdas/adapters/sharp-codec.ts';
import { runCli } from '../helpers/cli.ts';
import { withTempDir } from '../helpers/files.ts';
import { scene } from '../helpers/images.ts';

describe('driftwatch --workers', () => {
  it('profiles a folder into the same bytes with 2 workers as on the main thread', async () => {
    await withTempDir(async (dir) => {
      // Prepare
      const images = path.join(dir, 'images');
      await mkdir(images);
      for (let seed = 1; seed <= 8; seed++)
        await writeFile(
          path.join(images, `img_${seed}.jpg`),
          await encodeJpeg(scene(90, 60, seed)),
        );
      await writeFile(path.join(images, 'empty.jpg'), new Uint8Array());
      await writeFile(path.join(images, 'broken.jpg'), 'not an image');
      const out = (workers: number) => path.join(dir, `w${workers}.profile`);

      // Act
      const main = await runCli(['profile', images, '-o', out(0), '--workers', '0']);
      const pooled = await runCli(['profile', images, '-o', out(2), '--workers', '2']);

      // Assess
      for (const result of [main, pooled]) {
        expect(result.code).toBe(0);
        expect(result.stdout).toMatch(/Profiled 8 image\(s\), 2 unreadable/);
        expect(result.stdout).toMatch(/broken\.jpg: not-an-image/);
        expect(result.stdout).toMatch(/empty\.jpg: empty-file/);
      }
      expect(await readFile(out(2))).toEqual(await readFile(out(0)));
    });
  });

  it('refuses a worker count that is not a whole number or is above 4 per core', async () => {
    for (const value of ['-1', 'two', '1.5', '100000']) {
      const result = await runCli(['profile', '.', '-o', 'x.profile', '--workers', value]);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(
        /--workers <n>.*expected an integer from 0 to \d+ \(4 per core\)/,
      );
    }
  });

  it('documents --workers in the help of profile, run and demo', async () => {
    for (const command of ['profile', 'run', 'demo']) {
      const result = await runCli([command, '--help']);
      expect(result.stdout).toMatch(
        /--workers <n>\s+worker threads that decode and profile images[\s\S]*default: one per core/,
      );
    }
  });
});
