import { execFileSync } from 'node:child_process';
import { symlink, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  LOCAL_FILE_LIMITS,
  RefusedFileError,
  readBounded,
  streamBounded,
} from '../../lambdas/adapters/local/bounded-file.ts';
import { withTempDir } from '../helpers/files.ts';

describe('bounded local reads', () => {
  it('reads a regular file within the limit', async () => {
    await withTempDir(async (dir) => {
      const file = path.join(dir, 'a.txt');
      await writeFile(file, 'hello');
      expect((await readBounded(file, 5)).toString()).toBe('hello');
    });
  });

  it('refuses a file above the limit before reading it, naming the file and the limit', async () => {
    await withTempDir(async (dir) => {
      // A sparse 1.5 GiB file: no disk used, and reading it whole would take 1.5 GB of memory.
      const file = path.join(dir, 'huge.jpg');
      await writeFile(file, '');
      await truncate(file, 1.5 * 1024 ** 3);
      const refused = readBounded(file, LOCAL_FILE_LIMITS.image);
      await expect(refused).rejects.toBeInstanceOf(RefusedFileError);
      await expect(refused).rejects.toThrow(
        `${file} holds 1536 MiB, above the 32 MiB limit; not read`,
      );
      await expect(streamBounded(file, LOCAL_FILE_LIMITS.labels)).rejects.toThrow(/512 MiB limit/);
    });
  });

  it('does not follow a symbolic link, even to a small readable file', async () => {
    await withTempDir(async (dir) => {
      await writeFile(path.join(dir, 'secret.txt'), 'secret');
      const link = path.join(dir, 'link.jpg');
      await symlink(path.join(dir, 'secret.txt'), link);
      await expect(readBounded(link, 1024)).rejects.toThrow(
        `${link} is a symbolic link; not followed`,
      );
    });
  });

  it('refuses a FIFO without blocking on it', async () => {
    await withTempDir(async (dir) => {
      const fifo = path.join(dir, 'pipe.jpg');
      execFileSync('mkfifo', [fifo]);
      await expect(readBounded(fifo, 1024)).rejects.toThrow(`${fifo} is not a regular file`);
    });
  });
});
