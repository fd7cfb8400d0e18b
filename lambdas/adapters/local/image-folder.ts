import type { Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ImageInput } from '../../ports/image-source.ts';
import { ObjectTooLargeError } from '../../ports/object-store.ts';
import { LOCAL_FILE_LIMITS, RefusedFileError, readBounded } from './bounded-file.ts';

/** Sidecar files that live in a day folder but are not images. */
export const SIDECAR_FILES = new Set(['predictions.csv', 'predictions.jsonl']);

const natural = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });
export const naturalCompare = (a: string, b: string) =>
  natural.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);

export interface LocalImage extends ImageInput {
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
}

/** A folder entry that is not read: a symbolic link (never followed) or not a file or folder. */
export interface SkippedEntry {
  /** Path relative to the root, forward slashes. */
  readonly key: string;
  readonly reason: string;
}
export type OnSkipped = (entry: SkippedEntry) => void;

/**
 * Reports a non-hidden entry that is neither a regular file nor a folder: a link could lead the
 * run outside the root, so it is named in the run summary instead of read or silently skipped.
 */
export function reportIfSkipped(
  entry: Dirent,
  folder: string,
  keyRoot: string,
  onSkipped: OnSkipped,
): void {
  if (entry.name.startsWith('.') || entry.isFile() || entry.isDirectory()) return;
  onSkipped({
    key: keyOf(path.join(folder, entry.name), keyRoot),
    reason: entry.isSymbolicLink() ? 'symbolic link, not followed' : 'not a regular file',
  });
}

/**
 * Every regular, non-hidden file in a folder (not recursive) except sidecars, in natural order.
 * Each is an image candidate; one that does not decode is reported as unreadable later.
 * Keys are paths relative to `keyRoot` with forward slashes. Links and other non-files go to
 * `onSkipped`.
 */
export async function listImageFiles(
  folder: string,
  keyRoot = folder,
  onSkipped: OnSkipped = () => {},
): Promise<LocalImage[]> {
  const entries = await readdir(folder, { withFileTypes: true });
  for (const e of entries) reportIfSkipped(e, folder, keyRoot, onSkipped);
  const files = entries
    .filter(
      (e) => e.isFile() && !e.name.startsWith('.') && !SIDECAR_FILES.has(e.name.toLowerCase()),
    )
    .map((e) => e.name)
    .sort(naturalCompare);
  return Promise.all(files.map((name) => localImage(path.join(folder, name), keyRoot)));
}

/** An image candidate of a day (or reference) folder and the segment it belongs to, if any. */
export interface SegmentedImage {
  readonly image: LocalImage;
  readonly segment?: string | undefined;
}

/**
 * The images of a day or reference folder: its own files, plus the files of each sub-folder, whose
 * name is their segment (day_3/cam07/frame_001.jpg is camera cam07). `segmentOf` names the segment
 * of a top-level file (the `segment` column of predictions.csv). Hidden entries are skipped.
 */
export async function listSegmentedImages(
  folder: string,
  keyRoot: string,
  segmentOf: (fileName: string) => string | undefined = () => undefined,
  onSkipped: OnSkipped = () => {},
): Promise<SegmentedImage[]> {
  const top = (await listImageFiles(folder, keyRoot, onSkipped)).map((image) => ({
    image,
    segment: segmentOf(path.basename(image.path)),
  }));
  const entries = await readdir(folder, { withFileTypes: true });
  const folders = entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort(naturalCompare);
  const nested: SegmentedImage[] = [];
  for (const name of folders) {
    for (const image of await listImageFiles(path.join(folder, name), keyRoot, onSkipped))
      nested.push({ image, segment: name });
  }
  return [...top, ...nested];
}

/**
 * Files and folders given on a command line, expanded to image candidates. A link named on the
 * command line is the user's choice and is followed; links inside a named folder are not.
 */
export async function expandPaths(
  paths: readonly string[],
  onSkipped: OnSkipped = () => {},
): Promise<LocalImage[]> {
  const out: LocalImage[] = [];
  for (const p of paths) {
    const info = await stat(p);
    if (info.isDirectory()) out.push(...(await listImageFiles(p, p, onSkipped)));
    else out.push(await localImage(p, path.dirname(p), await realpath(p)));
  }
  return out;
}

const keyOf = (file: string, keyRoot: string) =>
  path.relative(keyRoot, file).split(path.sep).join('/');

/**
 * Images above LOCAL_FILE_LIMITS.image are refused unread (ObjectTooLargeError, as the Lambda's are:
 * unreadable "too-large"); links and non-files are refused when read (unreadable "read-failed").
 */
async function localImage(file: string, keyRoot: string, readPath = file): Promise<LocalImage> {
  const info = await stat(readPath);
  return {
    key: keyOf(file, keyRoot),
    path: file,
    size: info.size,
    mtimeMs: info.mtimeMs,
    read: async () => {
      try {
        return await readBounded(readPath, LOCAL_FILE_LIMITS.image);
      } catch (error) {
        if (error instanceof RefusedFileError && error.size)
          throw new ObjectTooLargeError(error.size.bytes, error.size.limit);
        throw error;
      }
    },
  };
}
