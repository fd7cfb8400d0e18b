import { symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readProfileFile } from '../../lambdas/adapters/local/profile-file.ts';
import { emptyProfile } from '../../lambdas/core/profile/dataset-profile.ts';
import { encodeProfile } from '../../lambdas/core/profile/profile-codec.ts';
import { withTempDir } from '../helpers/files.ts';

describe('profile files named on the command line', () => {
  it('follows a link the user named and decodes the profile behind it', async () => {
    await withTempDir(async (dir) => {
      const file = path.join(dir, 'day.profile');
      const profile = emptyProfile({ dataset: 'pets', window: { start: 'a', end: 'a' } });
      await writeFile(file, encodeProfile(profile));
      await symlink(file, path.join(dir, 'latest.profile'));
      expect((await readProfileFile(path.join(dir, 'latest.profile'))).dataset).toBe('pets');
    });
  });

  it('names the file when its content is refused', async () => {
    await withTempDir(async (dir) => {
      const file = path.join(dir, 'bogus.profile');
      await writeFile(file, 'DWPF\x01 not deflate');
      await expect(readProfileFile(file)).rejects.toThrow(`${file}: corrupt profile`);
    });
  });
});
