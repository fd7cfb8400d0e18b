import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { DigestClaim, NightRecord, NightStore } from '../../ports/night-store.ts';
import { readJson, writeJson } from './json-files.ts';

const safe = (segment: string) => encodeURIComponent(segment);

/** Night records and digest claims as JSON files: nights/<dataset>/<day>.json, digests/<dataset>/<day>.json. */
export class FileNightStore implements NightStore {
  constructor(readonly root: string) {}

  async saveNight(record: NightRecord): Promise<void> {
    await writeJson(this.nightPath(record.dataset, record.day), record);
  }

  async loadNight(dataset: string, day: string): Promise<NightRecord | undefined> {
    return readJson<NightRecord>(this.nightPath(dataset, day));
  }

  async claimDigest(dataset: string, day: string, fingerprint: string): Promise<DigestClaim> {
    const file = this.digestPath(dataset, day);
    const previous = await readJson<{ fingerprint: string }>(file);
    if (previous?.fingerprint === fingerprint) return 'duplicate';
    await writeJson(file, { fingerprint });
    return previous ? 'update' : 'new';
  }

  async releaseDigest(dataset: string, day: string, fingerprint: string): Promise<void> {
    const file = this.digestPath(dataset, day);
    if ((await readJson<{ fingerprint: string }>(file))?.fingerprint === fingerprint)
      await rm(file, { force: true });
  }

  nightPath(dataset: string, day: string): string {
    return path.join(this.root, 'nights', safe(dataset), `${safe(day)}.json`);
  }

  private digestPath(dataset: string, day: string): string {
    return path.join(this.root, 'digests', safe(dataset), `${safe(day)}.json`);
  }
}
