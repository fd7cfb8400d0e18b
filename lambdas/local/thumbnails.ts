import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { LOCAL_FILE_LIMITS, readBounded } from '../adapters/local/bounded-file.ts';
import { thumbnailDataUri } from '../adapters/sharp-codec.ts';

/**
 * Thumbnails of extreme-image keys, read only from inside the given folders. The keys come from
 * profiles (the cache, the out folder), which anyone able to write there controls: a key such as
 * ../../outside/x.png, or one reaching outside through a link, gets no thumbnail.
 */
export function thumbnailsInside(folders: readonly string[]) {
  const realFolders = Promise.all(folders.map((f) => realpath(f).catch(() => undefined)));
  return async (key: string): Promise<string | undefined> => {
    const root = folders[0] as string;
    const file = path.resolve(root, ...key.split('/'));
    try {
      const real = await realpath(file);
      const inside = (await realFolders).some((folder) => folder && isInside(folder, real));
      if (!inside) return undefined;
      return await thumbnailDataUri(await readBounded(real, LOCAL_FILE_LIMITS.image));
    } catch {
      return undefined;
    }
  };
}

const isInside = (folder: string, file: string) => {
  const relative = path.relative(folder, file);
  const outside = relative === '..' || relative.startsWith(`..${path.sep}`);
  return relative !== '' && !outside && !path.isAbsolute(relative);
};
