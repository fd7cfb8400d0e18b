import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeJpeg } from '../../lambdas/adapters/sharp-codec.ts';
import { thumbnailsInside } from '../../lambdas/local/thumbnails.ts';
import { withTempDir } from '../helpers/files.ts';
import { scene } from '../helpers/images.ts';

describe('report thumbnails in local mode', () => {
  it('embeds images inside the root and nothing a tampered key points to outside it', async () => {
    await withTempDir(async (dir) => {
      const root = path.join(dir, 'root');
      const jpeg = await encodeJpeg(scene(64, 48, 1), 90);
      await mkdir(path.join(root, 'day_1'), { recursive: true });
      await mkdir(path.join(dir, 'outside'));
      await writeFile(path.join(root, 'day_1', 'a.jpg'), jpeg);
      await writeFile(path.join(dir, 'outside', 'x.jpg'), jpeg);
      await symlink(path.join(dir, 'outside', 'x.jpg'), path.join(root, 'day_1', 'link.jpg'));
      await symlink(path.join(dir, 'outside'), path.join(root, 'day_2'));

      const thumbnail = thumbnailsInside([root]);

      expect(await thumbnail('day_1/a.jpg')).toMatch(/^data:image\/jpeg;base64,/);
      expect(await thumbnail('../outside/x.jpg')).toBeUndefined();
      expect(await thumbnail('day_1/../../outside/x.jpg')).toBeUndefined();
      expect(await thumbnail(path.join(dir, 'outside', 'x.jpg'))).toBeUndefined();
      expect(await thumbnail('day_1/link.jpg')).toBeUndefined();
      expect(await thumbnail('day_2/x.jpg')).toBeUndefined();
    });
  });

  it('also reads from a reference folder named explicitly outside the root', async () => {
    await withTempDir(async (dir) => {
      const root = path.join(dir, 'root');
      const reference = path.join(dir, 'ref');
      await mkdir(root);
      await mkdir(reference);
      await writeFile(path.join(reference, 'r.jpg'), await encodeJpeg(scene(64, 48, 2), 90));
      const thumbnail = thumbnailsInside([root, reference]);
      expect(await thumbnail('../ref/r.jpg')).toMatch(/^data:image\/jpeg;base64,/);
    });
  });
});
