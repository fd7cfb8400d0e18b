import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ImageInput } from '../../ports/image-source.ts';

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

/**
 * Every regular, non-hidden file in a folder (not recursive) except sidecars, in natural order.
 * Each is an image candidate; one that does not decode is reported as unreadable later.
 * Keys are paths relative to `keyRoot` with forward slashes.
 */
export async function listImageFiles(folder: string, keyRoot = folder): Promise<LocalImage[]> {
  const entries = await readdir(folder, { withFileTypes: true });
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
): Promise<SegmentedImage[]> {
  const top = (await listImageFiles(folder, keyRoot)).map((image) => ({
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
    for (const image of await listImageFiles(path.join(folder, name), keyRoot))
      nested.push({ image, segment: name });
  }
  return [...top, ...nested];
}

/** Files and folders given on a command line, expanded to image candidates. */
export async function expandPaths(paths: readonly string[]): Promise<LocalImage[]> {
  const out: LocalImage[] = [];
  for (const p of paths) {
    const info = await stat(p);
    if (info.isDirectory()) out.push(...(await listImageFiles(p)));
    else out.push(await localImage(p, path.dirname(p)));
  }
  return out;
}

async function localImage(file: string, keyRoot: string): Promise<LocalImage> {
  const info = await stat(file);
  return {
    key: path.relative(keyRoot, file).split(path.sep).join('/'),
    path: file,
    size: info.size,
    mtimeMs: info.mtimeMs,
    read: () => readFile(file),
  };
}
