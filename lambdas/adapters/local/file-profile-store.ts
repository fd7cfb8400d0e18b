import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DatasetProfile } from '../../core/profile/dataset-profile.ts';
import { decodeProfile, encodeProfile } from '../../core/profile/profile-codec.ts';
import type { ProfileStore } from '../../ports/profile-store.ts';
import { REFERENCE_DAY } from '../../use-cases/profile-batch.ts';
import { LOCAL_FILE_LIMITS, readBounded } from './bounded-file.ts';

const EXTENSION = '.profile';
const safe = (segment: string) => encodeURIComponent(segment);

/**
 * Profiles as files under one folder:
 *   partials/<dataset>/<day>/<key>.profile, days/<dataset>/<day>.profile, reference/<dataset>.profile
 */
export class FileProfileStore implements ProfileStore {
  constructor(readonly root: string) {}

  async savePartial(
    dataset: string,
    day: string,
    key: string,
    profile: DatasetProfile,
  ): Promise<void> {
    await this.write(
      path.join(this.root, 'partials', safe(dataset), safe(day), `${safe(key)}${EXTENSION}`),
      profile,
    );
  }

  async *partials(dataset: string, day: string): AsyncGenerator<DatasetProfile> {
    const dir = path.join(this.root, 'partials', safe(dataset), safe(day));
    const names = (await readdirOrEmpty(dir)).filter((n) => n.endsWith(EXTENSION)).sort();
    for (const name of names)
      yield decodeProfile(await readBounded(path.join(dir, name), LOCAL_FILE_LIMITS.profile));
  }

  async saveDayProfile(dataset: string, day: string, profile: DatasetProfile): Promise<void> {
    await this.write(this.dayPath(dataset, day), profile);
  }

  async loadDayProfile(dataset: string, day: string): Promise<DatasetProfile | undefined> {
    return this.read(this.dayPath(dataset, day));
  }

  async listDays(dataset: string): Promise<string[]> {
    const names = await readdirOrEmpty(path.join(this.root, 'days', safe(dataset)));
    return names
      .filter((n) => n.endsWith(EXTENSION))
      .map((n) => decodeURIComponent(n.slice(0, -EXTENSION.length)));
  }

  async saveReference(dataset: string, profile: DatasetProfile): Promise<void> {
    await this.write(this.referencePath(dataset), profile);
  }

  async loadReference(dataset: string): Promise<DatasetProfile | undefined> {
    return this.read(this.referencePath(dataset));
  }

  async segmentsOn(dataset: string, day: string): Promise<string[]> {
    const prefix = `${dataset}/`;
    const out: string[] = [];
    const folder = day === REFERENCE_DAY ? 'reference' : 'partials';
    for (const name of await readdirOrEmpty(path.join(this.root, folder))) {
      const scope = decodeURIComponent(name.replace(/\.profile$/, ''));
      if (!scope.startsWith(prefix)) continue;
      const present =
        day === REFERENCE_DAY
          ? name.endsWith(EXTENSION)
          : (await readdirOrEmpty(path.join(this.root, folder, name, safe(day)))).length > 0;
      if (present) out.push(scope.slice(prefix.length));
    }
    return out;
  }

  dayPath(dataset: string, day: string): string {
    return path.join(this.root, 'days', safe(dataset), `${safe(day)}${EXTENSION}`);
  }

  referencePath(dataset: string): string {
    return path.join(this.root, 'reference', `${safe(dataset)}${EXTENSION}`);
  }

  private async write(file: string, profile: DatasetProfile): Promise<void> {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, encodeProfile(profile));
  }

  private async read(file: string): Promise<DatasetProfile | undefined> {
    try {
      return decodeProfile(await readBounded(file, LOCAL_FILE_LIMITS.profile));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
