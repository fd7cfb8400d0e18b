import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FileLabelStore } from '../adapters/local/file-label-store.ts';
import { FileNightStore } from '../adapters/local/file-night-store.ts';
import { FileNotifier } from '../adapters/local/file-notifier.ts';
import { FileProfileStore } from '../adapters/local/file-profile-store.ts';
import {
  type LocalImage,
  listImageFiles,
  listSegmentedImages,
} from '../adapters/local/image-folder.ts';
import {
  LocalPredictionIndex,
  readModelOutputs,
  readSegmentColumn,
} from '../adapters/local/local-predictions.ts';
import { thumbnailDataUri } from '../adapters/sharp-codec.ts';
import { type Digest, plainText } from '../core/drift/digest.ts';
import type { MonitorConfig } from '../core/drift/monitor-config.ts';
import type { MonitorResult } from '../core/drift/monitor-result.ts';
import type { PerformanceRecord } from '../core/performance/performance-record.ts';
import { type DatasetProfile, emptyProfile, mergeAll } from '../core/profile/dataset-profile.ts';
import type { ModelOutput } from '../core/profile/model-outputs.ts';
import { segmentName, segmentScope } from '../core/profile/segments.ts';
import type { ImageDecoder } from '../ports/image-decoder.ts';
import type { SegmentNight } from '../ports/night-store.ts';
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
  /** The segment (camera, site, device) it is about; absent for the whole dataset. */
  readonly segment?: string | undefined;
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
  /** Per segment: images, unreadable files and whether drift fired; absent without segments. */
  readonly segments?: readonly SegmentNight[] | undefined;
  /** Model performance on this prediction day, once labels for it were ingested. */
  readonly performance?: PerformanceRecord | undefined;
  /**
   * Rows of the day's predictions.csv naming an image that is not in the day folder: left out of
   * accuracy and the manifest. Counted when labels are ingested.
   */
  readonly unknownPredictions?: number | undefined;
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
  await clearDataset(out, dataset);

  /** Profiles one group of files (cached under `name`). */
  const profileGroup = async (
    name: string,
    scope: string,
    files: readonly LocalImage[],
    predictions: { outputs: Map<string, ModelOutput>; hash: string; folderKey: string },
  ) => {
    const key = ProfileCache.keyOf(scope, files, predictions.hash);
    const cached = await cache.get(name, key);
    if (cached) return { ...cached, fromCache: true };
    const fresh: ProfileImagesResult = await profileImages(files, {
      dataset: scope,
      window: { start: name, end: name },
      decoder: options.decoder,
      // Keys are root-relative (day_3/cam07/x.jpg); predictions.csv names them inside the folder.
      outputOf: (imageKey) =>
        predictions.outputs.get(imageKey.slice(predictions.folderKey.length + 1)) ??
        predictions.outputs.get(path.posix.basename(imageKey)),
      onProgress: (done, total) => options.onProgress?.(name, done, total),
    });
    await cache.put(name, key, fresh);
    return { ...fresh, fromCache: false };
  };

  /**
   * Profiles a day or reference folder: its own files, and each segment (sub-folder, or the
   * `segment` column of predictions.csv) separately; the whole is the merge of the groups.
   */
  const profileFolder = async (name: string, folder: string) => {
    const segmentColumn = await readSegmentColumn(folder);
    const predictions = {
      ...(await readModelOutputs(folder)),
      folderKey: path.relative(root, folder).split(path.sep).join('/'),
    };
    const images = await listSegmentedImages(folder, root, (file) => segmentColumn.get(file));
    const groups = new Map<string, LocalImage[]>();
    for (const { image, segment } of images) {
      const id = segmentName(segment) ?? '';
      groups.set(id, [...(groups.get(id) ?? []), image]);
    }
    const segments = new Map<string, DatasetProfile>();
    const parts: DatasetProfile[] = [];
    const unreadable: UnreadableImage[] = [];
    let fromCache = true;
    for (const id of [...groups.keys()].sort()) {
      const files = groups.get(id) as LocalImage[];
      const scope = id ? segmentScope(dataset, id) : dataset;
      const result = await profileGroup(id ? `${name}/${id}` : name, scope, files, predictions);
      fromCache &&= result.fromCache;
      unreadable.push(...result.unreadable);
      // Every group's window is the day (the peer test lines segments up by it), whatever its cache name.
      const window = { start: name, end: name };
      parts.push({ ...result.profile, dataset, window });
      if (id) segments.set(id, { ...result.profile, window });
    }
    const profile =
      mergeAll(parts) ?? emptyProfile({ dataset, window: { start: name, end: name } });
    const keys = new Set(images.map(({ image }) => image.key));
    return { profile, segments, unreadable, fromCache, files: images.length, keys };
  };

  let reference: FolderRun['reference'];
  const referenceFolder = options.reference ?? path.join(root, 'reference');
  if (await folderExists(referenceFolder)) {
    const ref = await profileFolder('reference', referenceFolder);
    if (ref.profile.images === 0)
      throw new UserInputError(`the reference folder ${referenceFolder} has no readable images`);
    await profiles.saveReference(dataset, ref.profile);
    for (const [segment, profile] of ref.segments)
      await profiles.saveReference(segmentScope(dataset, segment), profile);
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
  /** Each day's files, root-relative: predictions naming anything else are not used. */
  const dayKeys = new Map<string, ReadonlySet<string>>();
  for (const day of days) {
    const result = await profileFolder(day, path.join(root, day));
    dayKeys.set(day, result.keys);
    if (result.files === 0) log(`${day}: the folder is empty; it counts as a day with no images.`);
    else if (result.profile.images === 0)
      log(`${day}: none of the ${result.files} files could be read.`);
    await profiles.savePartial(dataset, day, 'local', result.profile);
    for (const [segment, profile] of result.segments)
      await profiles.savePartial(segmentScope(dataset, segment), day, 'local', profile);
    const night = await runNight(dataset, day, {
      profiles,
      nights,
      notifier,
      config: options.config,
      now: options.now ?? (() => new Date()),
    });
    for (const warning of night.record.warnings ?? []) log(`${day}: ${warning}`);
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
      segments: night.record.segments,
    };
    reports.push(report);
    options.onDayDone?.(report);
  }
  const { summaries: labelFiles, predictions } = await ingestLocalLabels(
    root,
    dataset,
    reports.map((r) => ({ day: r.day, images: r.images, keys: dayKeys.get(r.day) })),
    { ...options, nights, notifier, labels },
  );
  const withPerformance = await Promise.all(
    reports.map(async (report) => {
      const performance = await labels.loadPerformance(dataset, report.day);
      const alerts = labelFiles
        .flatMap((f) => f.alerts)
        .filter((a) => a.day === report.day)
        .map(alertSummary);
      const unknown = predictions?.unknownImages(report.day);
      return {
        ...report,
        performance,
        alerts: [...report.alerts, ...alerts],
        ...(unknown?.count ? { unknownPredictions: unknown.count } : {}),
      };
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
  days: Parameters<typeof LocalPredictionIndex.load>[1],
  options: RunFolderOptions & {
    nights: FileNightStore;
    notifier: FileNotifier;
    labels: FileLabelStore;
  },
): Promise<{ summaries: IngestSummary[]; predictions?: LocalPredictionIndex }> {
  const folder = path.join(root, 'labels');
  if (!(await folderExists(folder))) return { summaries: [] };
  const files = await listImageFiles(folder, root);
  const predictions = await LocalPredictionIndex.load(root, days);
  for (const { day } of days) {
    const unknown = predictions.unknownImages(day);
    if (unknown.count === 0) continue;
    const names = unknown.examples.map((e) => JSON.stringify(plainText(e, 80))).join(', ');
    options.log?.(
      `${day}/predictions.csv: ${unknown.count} prediction${unknown.count === 1 ? ' names an image' : 's name images'} not in the day folder (${names}${unknown.count > unknown.examples.length ? ', …' : ''}); not used for accuracy or the manifest.`,
    );
  }
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
  return { summaries, predictions };
}

/** Removes what an earlier run stored for the dataset and its segments (`<dataset>/<segment>` scopes). */
async function clearDataset(out: string, dataset: string): Promise<void> {
  const own = encodeURIComponent(dataset);
  const segmentPrefix = encodeURIComponent(`${dataset}/`);
  for (const folder of [
    'partials',
    'days',
    'nights',
    'labels',
    'performance',
    'manifests',
    'reference',
  ]) {
    let names: string[];
    try {
      names = await readdir(path.join(out, folder));
    } catch {
      continue;
    }
    for (const name of names) {
      const base = name.replace(/\.profile$/, '');
      if (base === own || base.startsWith(segmentPrefix))
        await rm(path.join(out, folder, name), { recursive: true, force: true });
    }
  }
}

function alertSummary(r: MonitorResult): AlertSummary {
  return {
    monitor: r.monitor,
    ...(r.segment ? { segment: r.segment } : {}),
    feature: r.feature,
    baseline: r.baseline,
    score: r.score,
    threshold: r.threshold,
    severity: r.severity,
    summary: r.summary,
  };
}
