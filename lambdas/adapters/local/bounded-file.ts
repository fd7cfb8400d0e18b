import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import type { Readable } from 'node:stream';

/**
 * Largest local files Driftwatch reads, in bytes (docs/operations.md#local-mode-limits). The image
 * and profile limits match the Lambda's object limits; a file above its limit is refused before a
 * byte of it is read.
 */
export const LOCAL_FILE_LIMITS = {
  /** 32 MiB holds a 50 MP JPEG at quality 100 (sharp refuses more pixels than that anyway). */
  image: 32 * 1024 * 1024,
  /** A day of 10^7 images is ~34 KB; the codec refuses bodies above 32 MiB. */
  profile: 8 * 1024 * 1024,
  /** predictions.csv is parsed whole: ~60 bytes a row, so 128 MiB is about 2 million images a day. */
  predictions: 128 * 1024 * 1024,
  /** Label files are streamed; crowd votes cost ~8 bytes each in memory (docs/labels.md). */
  labels: 512 * 1024 * 1024,
  /** A monitor config: a few KB. */
  json: 4 * 1024 * 1024,
  /** The unreadable files of a cached folder, ~150 bytes each: about 400,000 of them. */
  cacheList: 64 * 1024 * 1024,
  /**
   * Driftwatch's own JSON in the out folder (nights, labels per day): it only keeps a planted
   * device or a runaway file from being read whole.
   */
  state: 1024 * 1024 * 1024,
} as const;

/** A local file Driftwatch will not read: a symbolic link, not a regular file, or too large. */
export class RefusedFileError extends Error {
  constructor(
    readonly file: string,
    readonly problem: 'symlink' | 'not-a-file' | 'too-large',
    /** Why, without the file name: "is a symbolic link; not followed". */
    readonly reason: string,
    /** For 'too-large': the file's size and the limit it broke. */
    readonly size?: { readonly bytes: number; readonly limit: number },
  ) {
    super(`${file} ${reason}`);
    this.name = 'RefusedFileError';
  }
}

const MiB = 1024 * 1024;
export const formatBytes = (bytes: number) =>
  bytes >= MiB ? `${(bytes / MiB).toFixed(bytes % MiB ? 1 : 0)} MiB` : `${bytes} bytes`;

/**
 * Opens a file for reading without following a symbolic link (O_NOFOLLOW: a link planted where a
 * file is expected cannot point the read outside the folder), and refuses anything but a regular
 * file of at most `limit` bytes, checked on the open descriptor (fstat), so the size is that of
 * the file read. O_NONBLOCK keeps a FIFO planted in a folder from blocking the open.
 */
export async function openBounded(file: string, limit: number): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP')
      throw new RefusedFileError(file, 'symlink', 'is a symbolic link; not followed');
    throw error;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new RefusedFileError(file, 'not-a-file', 'is not a regular file');
    if (info.size > limit)
      throw new RefusedFileError(
        file,
        'too-large',
        `holds ${formatBytes(info.size)}, above the ${formatBytes(limit)} limit; not read`,
        { bytes: info.size, limit },
      );
    return handle;
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** Throws what openBounded would, without reading the file. */
export async function checkBounded(file: string, limit: number): Promise<void> {
  await (await openBounded(file, limit)).close();
}

/** The whole file, refused (RefusedFileError) when it is a link, not a file or above `limit`. */
export async function readBounded(file: string, limit: number): Promise<Buffer> {
  const handle = await openBounded(file, limit);
  try {
    const { size } = await handle.stat();
    // One byte more than fstat said: a file that grows while it is read is refused, not read whole.
    const buffer = Buffer.alloc(size + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > size)
      throw new RefusedFileError(file, 'too-large', 'grew while it was read; not read');
    return buffer.subarray(0, length);
  } finally {
    await handle.close();
  }
}

/** The file as UTF-8 text, bounded as readBounded. */
export async function readBoundedText(file: string, limit: number): Promise<string> {
  return (await readBounded(file, limit)).toString('utf8');
}

/** A stream of the file, bounded as readBounded (it stops at `limit` bytes if the file grows). */
export async function streamBounded(file: string, limit: number): Promise<Readable> {
  const handle = await openBounded(file, limit);
  return handle.createReadStream({ end: limit - 1, autoClose: true });
}

/** True for the errors that mean "no such file", which callers treat as absent rather than refused. */
export const isMissing = (error: unknown) =>
  (error as NodeJS.ErrnoException).code === 'ENOENT' ||
  (error as NodeJS.ErrnoException).code === 'ENOTDIR';
