import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { LabelledImage } from '../../core/labels/labelled-image.ts';
import { manifestChunks } from '../../core/labels/retraining-manifest.ts';
import type { PerformanceRecord } from '../../core/performance/performance-record.ts';
import type { LabelStore } from '../../ports/label-store.ts';
import { readJson, writeJson } from './json-files.ts';

const safe = (segment: string) => encodeURIComponent(segment);

/**
 * Labels, performance and retraining manifests as files under labels/, performance/, manifests/.
 * One JSON file per day, rewritten on each save: sized for a local run, not for millions of labels.
 */
export class FileLabelStore implements LabelStore {
  constructor(readonly root: string) {}

  async saveLabels(dataset: string, labelled: readonly LabelledImage[]): Promise<void> {
    const byDay = new Map<string, LabelledImage[]>();
    for (const l of labelled) byDay.set(l.day, [...(byDay.get(l.day) ?? []), l]);
    for (const [day, items] of byDay) {
      const existing = new Map((await this.readDay(dataset, day)).map((l) => [l.key, l]));
      for (const l of items) existing.set(l.key, l);
      await writeJson(
        this.file('labels', dataset, `${safe(day)}.json`),
        [...existing.values()].sort((a, b) => (a.key < b.key ? -1 : 1)),
      );
    }
  }

  async *labelsForDay(dataset: string, day: string): AsyncGenerator<LabelledImage> {
    yield* await this.readDay(dataset, day);
  }

  private async readDay(dataset: string, day: string): Promise<LabelledImage[]> {
    return (
      (await readJson<LabelledImage[]>(this.file('labels', dataset, `${safe(day)}.json`))) ?? []
    );
  }

  async savePerformance(record: PerformanceRecord): Promise<void> {
    await writeJson(this.file('performance', record.dataset, `${safe(record.day)}.json`), record);
  }

  async loadPerformance(dataset: string, day: string): Promise<PerformanceRecord | undefined> {
    return readJson<PerformanceRecord>(this.file('performance', dataset, `${safe(day)}.json`));
  }

  async listPerformanceDays(dataset: string): Promise<string[]> {
    try {
      return (await readdir(path.join(this.root, 'performance', safe(dataset))))
        .filter((n) => n.endsWith('.json'))
        .map((n) => decodeURIComponent(n.slice(0, -5)));
    } catch {
      return [];
    }
  }

  async writeManifest(
    dataset: string,
    day: string,
    labelled: AsyncIterable<LabelledImage>,
  ): Promise<void> {
    const file = this.file('manifests', dataset, `${safe(day)}.jsonl`);
    await mkdir(path.dirname(file), { recursive: true });
    const out = createWriteStream(file);
    for await (const chunk of manifestChunks(labelled))
      if (!out.write(chunk)) await once(out, 'drain');
    await new Promise<void>((resolve, reject) =>
      out.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
  }

  private file(kind: string, dataset: string, name: string): string {
    return path.join(this.root, kind, safe(dataset), name);
  }
}
