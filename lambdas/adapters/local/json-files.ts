import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { LOCAL_FILE_LIMITS, readBoundedText } from './bounded-file.ts';

/** Writes a JSON document, creating its folder. */
export async function writeJson(file: string, value: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(value, null, 1)}\n`);
}

/** Reads a JSON document (not through a link, nor a device); undefined when the file does not exist. */
export async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readBoundedText(file, LOCAL_FILE_LIMITS.state)) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
