import { createReadStream } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FileLabelStore } from '../adapters/local/file-label-store.ts';
import { FileNightStore } from '../adapters/local/file-night-store.ts';
import { FileNotifier } from '../adapters/local/file-notifier.ts';
import { FileProfileStore } from '../adapters/local/file-profile-store.ts';
import { listImageFiles } from '../adapters/local/image-folder.ts';
import { LocalPredictionIndex } from '../adapters/local/local-predictions.ts';
import { thumbnailDataUri } from '../adapters/sharp-codec.ts';
import type { Digest } from '../core/drift/digest.ts';
import type { MonitorConfig } from '../core/drift/monitor-config.ts';
import type { MonitorResult } from '../core/drift/monitor-result.ts';
import type { PerformanceRecord } from '../core/performance/performance-record.ts';
import type { ImageDecoder } from '../ports/image-decoder.ts';
import { buildReport } from '../use-cases/build-report.ts';
import { type IngestSummary, ingestLabels } from '../use-cases/ingest-labels.ts';
import {
  type ProfileImagesResult,
  profileImages,
  type UnreadableImage,
} from '../use-cases/profile-images.ts';
import { runNight } from '../use-cases/run-night.ts';
import {
  cacheDir,
  defaultOutDir,
  findDayFolders,
  folderExists,
  UserInputError,
} from './day-folders.ts';
import { ProfileCache } from './profile-cache.ts';

export interface RunFolderOptions {
  readonly root: string;
  readonly config: MonitorConfig;
  readonly decoder: ImageDecoder;
  readonly reference?: string | undefined;
  readonly out?: string | undefined;
  readonly dataset?: string | undefined;
  readonly now?: () => Date;
  readonly onProgress?: (label: string, done: number, total: number) => void;
  readonly onDayDone?: (day: DayReport) => void;
  readonly log?: (message: string) => void;
}

export interface AlertSummary {
  readonly monitor: string;
  readonly feature?: string | undefined;
  readonly baseline: string;
  readonly score: number;
  readonly threshold: number;
  readonly severity: string;
  readonly summary: string;
}

export interface DayReport {
  readonly day: string;
  readonly images: number;
  readonly unreadable: number;
  readonly unreadableFiles: readonly UnreadableImage[];
  readonly alerts: readonly AlertSummary[];
  readonly results: readonly MonitorResult[];
  readonly digest?: Digest | undefined;
  readonly digestStatus: string;
  readonly fromCache: boolean;
  /** Model performance on this prediction day, once labels for it were ingested. */
  readonly performance?: PerformanceRecord | undefined;
}

export interface FolderRun {
  readonly dataset: string;
  readonly out: string;
  readonly reference?: { folder: string; images: number; unreadable: number } | undefined;
  readonly days: readonly DayReport[];
  readonly labelFiles: readonly IngestSummary[];
  /** The HTML report of the last day (all days in its charts). */
  readonly report?: string | undefined;
}

/**
 * `driftwatch run <root>`: profile every day folder (cached), profile the reference, then run the
 * same nightly use case as the Lambda for each day in order, with file-based adapters under `out`.
 */
export async function runFolder(options: RunFolderOptions): Promise<FolderRun> {
  const root = path.resolve(options.root);
  const dataset = options.dataset ?? path.basename(root);
  const days = await findDayFolders(root);
  const out = path.resolve(options.out ?? defaultOutDir(root));
  const log = options.log ?? (() => {});
  const cache = new ProfileCache(cacheDir(root));
  const profiles = new FileProfileStore(out);
  const nights = new FileNightStore(out);
  const notifier = new FileNotifier(out);
  const labels = new FileLabelStore(out);

  // Day profiles and nights are recomputed every run (cheap from the cache); digest claims persist,
  // so a re-run never re-sends the same alerts.
  for (const folder of ['partials', 'days', 'nights', 'labels', 'performance', 'manifests']) {
    await rm(path.join(out, folder, encodeURIComponent(dataset)), { recursive: true, force: true });
  }

  const profileFolder = async (name: string, folder: string) => {
    const files = await listImageFiles(folder, root);
    const key = ProfileCache.keyOf(dataset, files);
    const cached = await cache.get(name, key);
    if (cached) return { ...cached, fromCache: true, files: files.length };
    const fresh: ProfileImagesResult = await profileImages(files, {
      dataset,
      window: { start: name, end: name },
      decoder: options.decoder,
      onProgress: (done, total) => options.onProgress?.(name, done, total),
    });
    await cache.put(name, key, fresh);
    return { ...fresh, fromCache: false, files: files.length };
  };

  let reference: FolderRun['reference'];
  const referenceFolder = options.reference ?? path.join(root, 'reference');
  if (await folderExists(referenceFolder)) {
    const ref = await profileFolder('reference', referenceFolder);
    if (ref.profile.images === 0)
      throw new UserInputError(`the reference folder ${referenceFolder} has no readable images`);
    await profiles.saveReference(dataset, ref.profile);
    reference = {
      folder: referenceFolder,
      images: ref.profile.images,
      unreadable: ref.unreadable.length,
    };
  } else if (options.reference) {
    throw new UserInputError(`reference folder ${options.reference} does not exist`);
  } else {
    log('No reference/ folder: days are compared with the trailing days only.');
  }

  const reports: DayReport[] = [];
  for (const day of days) {
    const result = await profileFolder(day, path.join(root, day));
    if (result.files === 0) log(`${day}: the folder is empty; it counts as a day with no images.`);
    else if (result.profile.images === 0)
      log(`${day}: none of the ${result.files} files could be read.`);
    await profiles.savePartial(dataset, day, 'local', result.profile);
    const night = await runNight(dataset, day, {
      profiles,
      nights,
      notifier,
      config: options.config,
      now: options.now ?? (() => new Date()),
    });
    const fired = night.record.results.filter((r) => r.fired);
    const report: DayReport = {
      day,
      images: night.record.images,
      unreadable: night.record.unreadable,
      unreadableFiles: result.unreadable,
      alerts: fired.map(alertSummary),
      results: night.record.results,
      digest: night.digest,
      digestStatus: night.record.digest,
      fromCache: result.fromCache,
    };
    reports.push(report);
    options.onDayDone?.(report);
  }
  const labelFiles = await ingestLocalLabels(root, dataset, reports, {
    ...options,
    nights,
    notifier,
    labels,
  });
  const withPerformance = await Promise.all(
    reports.map(async (report) => {
      const performance = await labels.loadPerformance(dataset, report.day);
      const alerts = labelFiles
        .flatMap((f) => f.alerts)
        .filter((a) => a.day === report.day)
        .map(alertSummary);
      return { ...report, performance, alerts: [...report.alerts, ...alerts] };
    }),
  );
  const reportPath = path.join(out, 'report', 'index.html');
  const last = reports.at(-1);
  if (last) {
    const html = await buildReport(dataset, last.day, {
      profiles,
      nights,
      labels,
      now: options.now ?? (() => new Date()),
      thumbnail: async (key) => {
        try {
          return await thumbnailDataUri(await readFile(path.join(root, ...key.split('/'))));
        } catch {
          return undefined;
        }
      },
    });
    await mkdir(path.dirname(reportPath), { recursive: true });
    await writeFile(reportPath, html);
  }
  return {
    dataset,
    out,
    reference,
    days: withPerformance,
    labelFiles,
    report: last ? reportPath : undefined,
  };
}

/** Ingests every file under <root>/labels/ (in name order), as the ingest-labels Lambda would. */
async function ingestLocalLabels(
  root: string,
  dataset: string,
  reports: readonly DayReport[],
  options: RunFolderOptions & {
    nights: FileNightStore;
    notifier: FileNotifier;
    labels: FileLabelStore;
  },
): Promise<IngestSummary[]> {
  const folder = path.join(root, 'labels');
  if (!(await folderExists(folder))) return [];
  const files = await listImageFiles(folder, root);
  const predictions = await LocalPredictionIndex.load(
    root,
    reports.map((r) => ({ day: r.day, images: r.images })),
  );
  const summaries: IngestSummary[] = [];
  for (const file of files) {
    const summary = await ingestLabels(
      { dataset, name: file.key, open: () => createReadStream(file.path) },
      {
        predictions,
        labels: options.labels,
        nights: options.nights,
        notifier: options.notifier,
        config: options.config,
        now: options.now ?? (() => new Date()),
      },
    );
    options.log?.(
      `${file.key}: ${summary.format}, ${summary.rows} rows, ${summary.labelled} images labelled (${summary.method})` +
        `${summary.issues ? `, ${summary.issues} bad rows` : ''}${summary.unmatched ? `, ${summary.unmatched} unmatched` : ''}` +
        `${summary.ambiguous ? `, ${summary.ambiguous} ambiguous` : ''}`,
    );
    for (const issue of summary.issueExamples)
      options.log?.(`  ${file.key}:${issue.line}: ${issue.message}`);
    summaries.push(summary);
  }
  return summaries;
}

function alertSummary(r: MonitorResult): AlertSummary {
  return {
    monitor: r.monitor,
    feature: r.feature,
    baseline: r.baseline,
    score: r.score,
    threshold: r.threshold,
    severity: r.severity,
    summary: r.summary,
  };
}
