import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  checkBounded,
  LOCAL_FILE_LIMITS,
  RefusedFileError,
  streamBounded,
} from '../adapters/local/bounded-file.ts';
import { FileLabelStore } from '../adapters/local/file-label-store.ts';
import { FileNightStore } from '../adapters/local/file-night-store.ts';
import { FileNotifier } from '../adapters/local/file-notifier.ts';
import { FileProfileStore } from '../adapters/local/file-profile-store.ts';
import {
  type LocalImage,
  listImageFiles,
  listSegmentedImages,
  type SkippedEntry,
} from '../adapters/local/image-folder.ts';
import {
  LocalPredictionIndex,
  type OnUnreadSidecar,
  type PredictionFolder,
  readModelOutputs,
  readSegmentColumn,
} from '../adapters/local/local-predictions.ts';
import { type Digest, plainText } from '../core/drift/digest.ts';
import type { MonitorConfig } from '../core/drift/monitor-config.ts';
import type { MonitorResult } from '../core/drift/monitor-result.ts';
import { aggregationMethodText } from '../core/labels/aggregation-text.ts';
import type { EstimatedPerformance } from '../core/performance/estimated-performance.ts';
import type { PerformanceRecord } from '../core/performance/performance-record.ts';
import { type DatasetProfile, emptyProfile, mergeAll } from '../core/profile/dataset-profile.ts';
import {
  type ModelOutput,
  type ModelOutputsSummary,
  summarizeModelOutputs,
} from '../core/profile/model-outputs.ts';
import { segmentName, segmentScope } from '../core/profile/segments.ts';
import type { ImageAnalyzer } from '../ports/image-analyzer.ts';
import type { ImageDecoder } from '../ports/image-decoder.ts';
import type { SegmentNight } from '../ports/night-store.ts';
import { buildReport } from '../use-cases/build-report.ts';
import { type IngestSummary, ingestLabels } from '../use-cases/ingest-labels.ts';
import { REFERENCE_DAY } from '../use-cases/profile-batch.ts';
import {
  type ProfileImagesResult,
  profileImages,
  type UnreadableImage,
} from '../use-cases/profile-images.ts';
import { runNight } from '../use-cases/run-night.ts';
import {
  cacheDir,
  defaultOutDir,
  driftwatchDir,
  findDayFolders,
  folderExists,
  folderKind,
  refuseLinksUnder,
  UserInputError,
} from './day-folders.ts';
import { ProfileCache } from './profile-cache.ts';
import { thumbnailsInside } from './thumbnails.ts';

export interface RunFolderOptions {
  readonly root: string;
  readonly config: MonitorConfig;
  readonly decoder: ImageDecoder;
  /** Decodes and extracts features (a worker pool); default: on this thread with `decoder`. */
  readonly analyzer?: ImageAnalyzer | undefined;
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
  /** Accuracy estimated from the day's confidences before its labels (ATC). */
  readonly estimatedPerformance?: EstimatedPerformance | undefined;
  /** What the model predicted that day. */
  readonly modelOutputs?: ModelOutputsSummary | undefined;
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
  /** Entries not read: symbolic links (never followed), non-files, sidecars above their size limit. */
  readonly skipped: readonly SkippedEntry[];
}

/**
 * `driftwatch run <root>`: profile every day folder (cached), profile the reference, then run the
 * same nightly use case as the Lambda for each day in order, with file-based adapters under `out`.
 */
export async function runFolder(options: RunFolderOptions): Promise<FolderRun> {
  const root = path.resolve(options.root);
  const dataset = options.dataset ?? path.basename(root);
  const skipped = new Map<string, string>();
  const onSkipped = (entry: SkippedEntry) => skipped.set(entry.key, entry.reason);
  const onUnreadSidecar: OnUnreadSidecar = (file, error) =>
    onSkipped({
      key: keyUnder(root, file),
      reason: error instanceof RefusedFileError ? error.reason : error.message,
    });
  const days = await findDayFolders(root, onSkipped);
  // The cache (and the default out folder) live here: a link in it would take writes outside the root.
  await refuseLinksUnder(driftwatchDir(root));
  const out = path.resolve(options.out ?? defaultOutDir(root));
  // An --out folder is the user's to choose, but a link in the folders Driftwatch writes, clears
  // and reads back there would take those writes and deletes elsewhere.
  for (const folder of OUT_FOLDERS) await refuseLinksUnder(path.join(out, folder));
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
      analyzer: options.analyzer,
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
    const segmentColumn = await readSegmentColumn(folder, onUnreadSidecar);
    const predictions = {
      ...(await readModelOutputs(folder, onUnreadSidecar)),
      folderKey: path.relative(root, folder).split(path.sep).join('/'),
    };
    const images = await listSegmentedImages(
      folder,
      root,
      (file) => segmentColumn.get(file),
      onSkipped,
    );
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
  let referenceIndex: PredictionFolder | undefined;
  const referenceFolder = options.reference ?? path.join(root, 'reference');
  // A reference named with --reference is the user's choice; a linked <root>/reference/ is not followed.
  const referenceKind = options.reference
    ? (await folderExists(referenceFolder))
      ? 'folder'
      : 'absent'
    : await folderKind(referenceFolder);
  if (referenceKind === 'link') {
    log(`${referenceFolder} is a symbolic link; not followed: no reference this run.`);
  } else if (referenceKind === 'folder') {
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
    // Labels name reference images as reference/<path inside the folder>, wherever the folder is.
    const inside = (key: string) =>
      path.relative(referenceFolder, path.resolve(root, key)).split(path.sep).join('/');
    referenceIndex = {
      day: REFERENCE_DAY,
      folder: referenceFolder,
      images: ref.profile.images,
      keys: new Set([...ref.keys].map((key) => `${REFERENCE_DAY}/${inside(key)}`)),
    };
  } else if (options.reference) {
    throw new UserInputError(`reference folder ${options.reference} does not exist`);
  } else {
    log('No reference/ folder: days are compared with the trailing days only.');
  }

  // Profile every day first, then ingest the labels, then run the nights in order: a night can
  // then calibrate its accuracy estimate on the labelled days before it, as in AWS where labels
  // for earlier days arrive before a later night runs.
  const profiled: { day: string; result: Awaited<ReturnType<typeof profileFolder>> }[] = [];
  for (const day of days) {
    const result = await profileFolder(day, path.join(root, day));
    if (result.files === 0) log(`${day}: the folder is empty; it counts as a day with no images.`);
    else if (result.profile.images === 0)
      log(`${day}: none of the ${result.files} files could be read.`);
    await profiles.savePartial(dataset, day, 'local', result.profile);
    for (const [segment, profile] of result.segments)
      await profiles.savePartial(segmentScope(dataset, segment), day, 'local', profile);
    profiled.push({ day, result });
  }
  // Each day's files, root-relative: predictions naming anything else are not used.
  // The reference's predictions join its labels too: they calibrate the accuracy estimate only.
  const { summaries: labelFiles, predictions } = await ingestLocalLabels(
    root,
    dataset,
    [
      ...(referenceIndex ? [referenceIndex] : []),
      ...profiled.map(({ day, result }) => ({
        day,
        images: result.profile.images,
        keys: result.keys,
      })),
    ],
    { ...options, nights, notifier, labels, onSkipped, onUnreadSidecar },
  );
  const reports: DayReport[] = [];
  for (const { day, result } of profiled) {
    const night = await runNight(dataset, day, {
      profiles,
      nights,
      notifier,
      config: options.config,
      now: options.now ?? (() => new Date()),
      labels,
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
      estimatedPerformance: night.record.estimatedPerformance,
      modelOutputs: summarizeModelOutputs(night.profile.outputs),
    };
    reports.push(report);
    options.onDayDone?.(report);
  }
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
      thumbnail: thumbnailsInside([root, ...(options.reference ? [options.reference] : [])]),
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
    skipped: [...skipped].map(([key, reason]) => ({ key, reason })),
  };
}

/** The folders the file adapters write under the out folder. */
const OUT_FOLDERS = [
  'partials',
  'days',
  'reference',
  'nights',
  'digests',
  'alerts',
  'labels',
  'performance',
  'manifests',
  'report',
];

/** A path relative to the root with forward slashes, as image keys are. */
const keyUnder = (root: string, file: string) =>
  path.relative(root, file).split(path.sep).join('/');

/** Ingests every file under <root>/labels/ (in name order), as the ingest-labels Lambda would. */
async function ingestLocalLabels(
  root: string,
  dataset: string,
  days: Parameters<typeof LocalPredictionIndex.load>[1],
  options: RunFolderOptions & {
    nights: FileNightStore;
    notifier: FileNotifier;
    labels: FileLabelStore;
    onSkipped: (entry: SkippedEntry) => void;
    onUnreadSidecar: OnUnreadSidecar;
  },
): Promise<{ summaries: IngestSummary[]; predictions?: LocalPredictionIndex }> {
  const folder = path.join(root, 'labels');
  // A linked labels/ is not followed (findDayFolders reported it).
  if ((await folderKind(folder)) !== 'folder') return { summaries: [] };
  const files = await listImageFiles(folder, root, options.onSkipped);
  const predictions = await LocalPredictionIndex.load(root, days, options.onUnreadSidecar);
  for (const { day, folder } of days) {
    const unknown = predictions.unknownImages(day);
    if (unknown.count === 0) continue;
    const names = unknown.examples.map((e) => JSON.stringify(plainText(e, 80))).join(', ');
    const isReference = day === REFERENCE_DAY;
    options.log?.(
      `${folder ? keyUnder(root, folder) : day}/predictions.csv: ${unknown.count} prediction${unknown.count === 1 ? ' names an image' : 's name images'} not in the ${isReference ? 'reference' : 'day'} folder (${names}${unknown.count > unknown.examples.length ? ', …' : ''}); ${isReference ? 'not used for calibration' : 'not used for accuracy or the manifest'}.`,
    );
  }
  const summaries: IngestSummary[] = [];
  for (const file of files) {
    // Refused before ingestion (a link swapped in, above the size limit): reported, the run goes on.
    try {
      await checkBounded(file.path, LOCAL_FILE_LIMITS.labels);
    } catch (error) {
      options.onUnreadSidecar(file.path, error as Error);
      continue;
    }
    const summary = await ingestLabels(
      {
        dataset,
        name: file.key,
        open: () => streamBounded(file.path, LOCAL_FILE_LIMITS.labels),
      },
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
      `${file.key}: ${summary.format}, ${summary.rows} rows, ${summary.labelled} images labelled (${aggregationMethodText(summary)})` +
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
