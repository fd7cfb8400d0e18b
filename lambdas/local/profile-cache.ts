import { createHash } from 'node:crypto';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { LOCAL_FILE_LIMITS, readBounded, readBoundedText } from '../adapters/local/bounded-file.ts';
import type { LocalImage } from '../adapters/local/image-folder.ts';
import { FEATURE_SET_VERSION } from '../core/features/catalogue.ts';
import type { DatasetProfile } from '../core/profile/dataset-profile.ts';
import {
  decodeProfile,
  encodeProfile,
  PROFILE_FORMAT_VERSION,
} from '../core/profile/profile-codec.ts';
import { parseBoundedJson } from '../core/util/bounded-json.ts';
import type { UnreadableImage } from '../use-cases/profile-images.ts';

export interface CachedFolder {
  readonly profile: DatasetProfile;
  readonly unreadable: readonly UnreadableImage[];
}

/**
 * Profiles of local folders, cached by file identity (relative name, size, mtime), dataset, feature-set
 * version and profile format: change a file, a feature definition or the format, and the folder is
 * profiled again. One entry per folder name; a new entry replaces the old ones.
 */
export class ProfileCache {
  constructor(readonly dir: string) {}

  /** `predictions` identifies the folder's predictions.csv content (its model outputs are profiled too). */
  static keyOf(dataset: string, files: readonly LocalImage[], predictions = ''): string {
    const hash = createHash('sha256');
    hash.update(
      `features v${FEATURE_SET_VERSION}; format v${PROFILE_FORMAT_VERSION}; dataset ${dataset}\n`,
    );
    if (predictions) hash.update(`predictions ${predictions}\n`);
    for (const f of files) hash.update(`${f.key}\t${f.size}\t${Math.round(f.mtimeMs)}\n`);
    return hash.digest('hex').slice(0, 24);
  }

  async get(name: string, key: string): Promise<CachedFolder | undefined> {
    try {
      const base = path.join(this.dir, `${encodeURIComponent(name)}.${key}`);
      const profile = decodeProfile(
        await readBounded(`${base}.profile`, LOCAL_FILE_LIMITS.profile),
      );
      // Bounded: the cache lives in the user's folder, a hand-edited entry must not crash the run.
      const unreadable = parseBoundedJson(
        await readBoundedText(`${base}.unreadable.json`, LOCAL_FILE_LIMITS.cacheList),
      );
      if (!unreadable.ok || !Array.isArray(unreadable.value)) return undefined;
      return { profile, unreadable: unreadable.value as UnreadableImage[] };
    } catch {
      return undefined; // missing, oversized or unreadable cache entries are simply recomputed
    }
  }

  async put(name: string, key: string, entry: CachedFolder): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const prefix = `${encodeURIComponent(name)}.`;
    for (const old of await readdir(this.dir)) {
      if (old.startsWith(prefix) && !old.startsWith(`${prefix}${key}.`))
        await rm(path.join(this.dir, old), { force: true });
    }
    const base = path.join(this.dir, `${prefix}${key}`);
    await writeFile(`${base}.profile`, encodeProfile(entry.profile));
    await writeFile(`${base}.unreadable.json`, JSON.stringify(entry.unreadable));
  }
}
