import { lstat, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { OnSkipped } from '../adapters/local/image-folder.ts';
import { compareDays } from '../core/drift/baselines.ts';

/** Sub-folders of a local root that are not days. */
export const RESERVED_FOLDERS = new Set(['reference', 'labels']);

export class UserInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserInputError';
  }
}

/**
 * The day folders of a local root (`day_1`, `day_2`, … or ISO dates), in day order. A symbolic
 * link among them (to a day folder or anything else) is not followed but reported to `onSkipped`.
 */
export async function findDayFolders(
  root: string,
  onSkipped: OnSkipped = () => {},
): Promise<string[]> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(root);
  } catch {
    throw new UserInputError(`${root} does not exist`);
  }
  if (!info.isDirectory()) throw new UserInputError(`${root} is not a folder`);
  const entries = await readdir(root, { withFileTypes: true });
  for (const e of entries)
    if (e.isSymbolicLink() && !e.name.startsWith('.'))
      onSkipped({ key: e.name, reason: 'symbolic link, not followed' });
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

/** What is at `folder` without following a link there: a real folder, a link, or nothing usable. */
export async function folderKind(folder: string): Promise<'folder' | 'link' | 'absent'> {
  try {
    const info = await lstat(folder);
    if (info.isSymbolicLink()) return 'link';
    return info.isDirectory() ? 'folder' : 'absent';
  } catch {
    return 'absent';
  }
}

/**
 * Refuses a tree that holds a symbolic link anywhere (the folder itself included): Driftwatch
 * writes and deletes under `.driftwatch/` and in its out folders, and a link there would make it
 * write or delete elsewhere on the machine.
 */
export async function refuseLinksUnder(folder: string): Promise<void> {
  let info: Awaited<ReturnType<typeof lstat>>;
  try {
    info = await lstat(folder);
  } catch {
    return; // absent: created as a real folder when first written
  }
  if (info.isSymbolicLink())
    throw new UserInputError(
      `${folder} is a symbolic link: Driftwatch never writes or deletes through a link, so it stops here (remove the link)`,
    );
  if (!info.isDirectory()) return;
  for (const entry of await readdir(folder)) await refuseLinksUnder(path.join(folder, entry));
}

export const driftwatchDir = (root: string) => path.join(root, '.driftwatch');
export const defaultOutDir = (root: string) => path.join(root, '.driftwatch', 'out');
export const cacheDir = (root: string) => path.join(root, '.driftwatch', 'cache');
