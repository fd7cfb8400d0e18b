import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { compareDays } from '../core/drift/baselines.ts';

/** Sub-folders of a local root that are not days. */
export const RESERVED_FOLDERS = new Set(['reference', 'labels']);

export class UserInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserInputError';
  }
}

/** The day folders of a local root (`day_1`, `day_2`, … or ISO dates), in day order. */
export async function findDayFolders(root: string): Promise<string[]> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(root);
  } catch {
    throw new UserInputError(`${root} does not exist`);
  }
  if (!info.isDirectory()) throw new UserInputError(`${root} is not a folder`);
  const entries = await readdir(root, { withFileTypes: true });
  const days = entries
    .filter(
      (e) =>
        e.isDirectory() && !e.name.startsWith('.') && !RESERVED_FOLDERS.has(e.name.toLowerCase()),
    )
    .map((e) => e.name)
    .sort(compareDays);
  if (days.length === 0) {
    throw new UserInputError(
      `no day folders in ${root}: expected one sub-folder per day (day_1, day_2, … or 2026-11-28), plus an optional reference/`,
    );
  }
  return days;
}

export async function folderExists(folder: string): Promise<boolean> {
  try {
    return (await stat(folder)).isDirectory();
  } catch {
    return false;
  }
}

export const defaultOutDir = (root: string) => path.join(root, '.driftwatch', 'out');
export const cacheDir = (root: string) => path.join(root, '.driftwatch', 'cache');
