import { createHash } from 'node:crypto';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import type { ItemRef } from '../../core/labels/item-ref.ts';
import { type ModelOutput, normalizeConfidence } from '../../core/profile/model-outputs.ts';
import { truncateText } from '../../core/util/bounded-text.ts';
import type {
  PredictionIndex,
  PredictionLookup,
  PredictionMatch,
} from '../../ports/prediction-index.ts';
import { isMissing, LOCAL_FILE_LIMITS, openBounded, readBoundedText } from './bounded-file.ts';

/** Called with a sidecar file that exists but is not read (a link, too large): the run goes on. */
export type OnUnreadSidecar = (file: string, error: Error) => void;

/** The text of a day's predictions.csv; undefined when absent or refused (reported to `onUnread`). */
async function readPredictions(
  dayFolder: string,
  onUnread: OnUnreadSidecar,
): Promise<string | undefined> {
  const file = path.join(dayFolder, PREDICTIONS_FILE);
  try {
    await checkHeaderLine(file);
    return await readBoundedText(file, LOCAL_FILE_LIMITS.predictions);
  } catch (error) {
    if (!isMissing(error)) onUnread(file, error as Error);
    return undefined;
  }
}

/** Bytes of one predictions.csv record (the label files' limit, docs/labels.md#limits). */
const MAX_PREDICTION_RECORD = 1024 * 1024;

/**
 * Refuses a predictions.csv whose header line is longer than MAX_PREDICTION_RECORD after reading
 * that much of it, so a 100 MB line without a newline is not read whole (and held twice) first.
 */
async function checkHeaderLine(file: string): Promise<void> {
  const handle = await openBounded(file, LOCAL_FILE_LIMITS.predictions);
  try {
    const head = Buffer.alloc(MAX_PREDICTION_RECORD + 1);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    if (bytesRead === head.length && !head.includes(10))
      throw new Error(
        `${file}: its header line is longer than ${MAX_PREDICTION_RECORD} bytes; not read`,
      );
  } finally {
    await handle.close();
  }
}

export const PREDICTIONS_FILE = 'predictions.csv';

/** Predictions naming images that are not in their day folder (names cut to 80 characters). */
export interface UnknownImages {
  readonly count: number;
  readonly examples: string[];
}
const MAX_UNKNOWN_EXAMPLES = 3;

/**
 * The `segment` column of a day folder's predictions.csv, by file name; empty when the file or the
 * column is absent. A malformed file is an error naming it.
 */
export async function readSegmentColumn(
  dayFolder: string,
  onUnread: OnUnreadSidecar = () => {},
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const text = await readPredictions(dayFolder, onUnread);
  if (text === undefined) return out;
  for (const row of parsePredictionRows(text, path.join(dayFolder, PREDICTIONS_FILE))) {
    const image = row.image ?? row.file ?? row.filename;
    if (image && row.segment) out.set(path.basename(image), row.segment);
  }
  return out;
}

/**
 * The model outputs of a day (or reference) folder's predictions.csv, by image path inside the
 * folder (cam07/frame.jpg or frame.jpg); columns image, prediction, confidence and model_version
 * (or model-version). Empty when the file is absent. `hash` identifies the file's content, so a
 * cached profile is recomputed when the predictions change.
 */
export async function readModelOutputs(
  folder: string,
  onUnread: OnUnreadSidecar = () => {},
): Promise<{ outputs: Map<string, ModelOutput>; hash: string }> {
  const outputs = new Map<string, ModelOutput>();
  const text = await readPredictions(folder, onUnread);
  if (text === undefined) return { outputs, hash: '' };
  for (const row of parsePredictionRows(text, path.join(folder, PREDICTIONS_FILE))) {
    const image = row.image ?? row.file ?? row.filename;
    if (!image) continue;
    const confidence = row.confidence ? Number(row.confidence) : undefined;
    outputs.set(relativeImagePath(image), {
      prediction: row.prediction || undefined,
      confidence: normalizeConfidence(confidence),
      modelVersion: row.model_version || row['model-version'] || undefined,
    });
  }
  return { outputs, hash: createHash('sha256').update(text).digest('hex').slice(0, 16) };
}

/** The image column as a path inside the day folder (cam07/frame.jpg), or its file name when it points elsewhere. */
function relativeImagePath(image: string): string {
  const posix = image.replace(/\\/g, '/').replace(/^\.\//, '');
  return posix.startsWith('/') || posix.split('/').includes('..') ? path.basename(posix) : posix;
}

/** The rows of a predictions.csv; a malformed file is an error naming it, quoting at most a little of it. */
function parsePredictionRows(text: string, file: string): Record<string, string>[] {
  try {
    return parse(text, {
      bom: true,
      columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()),
      skip_empty_lines: true,
      trim: true,
      max_record_size: MAX_PREDICTION_RECORD,
    }) as Record<string, string>[];
  } catch (error) {
    throw new Error(`${file} is not a readable CSV: ${truncateText((error as Error).message)}`);
  }
}

/** A folder whose predictions.csv is indexed: its images are keyed `<day>/<path inside it>`. */
export interface PredictionFolder {
  /** The day folder's name, or `reference` (REFERENCE_DAY) for the reference folder. */
  readonly day: string;
  readonly images: number;
  /** The folder's files as `<day>/<path inside it>`: rows naming anything else are left out. */
  readonly keys?: ReadonlySet<string>;
  /** Where the folder is when not `<root>/<day>` (a reference named with --reference). */
  readonly folder?: string;
}

/**
 * Predictions of a local root: each day folder may hold predictions.csv (image,prediction,confidence).
 * Images are keyed by their path relative to the root (day_5/img_0001.jpg) and found by that path
 * or by file name; a file name present on several days is ambiguous.
 */
export class LocalPredictionIndex implements PredictionIndex {
  private readonly byKey = new Map<string, PredictionMatch>();
  private readonly byName = new Map<string, string[]>();
  private readonly images = new Map<string, number>();
  private readonly unknown = new Map<string, UnknownImages>();

  /**
   * Reads `<root>/<day>/predictions.csv` for each day (and the reference's, whose images labels
   * name as `reference/…`); a malformed file is an error naming it.
   * With `keys` (the day's files, root-relative), a row naming an image that is not among them
   * (`../../etc/passwd`, a file deleted since) is left out of the index, so it can never be
   * labelled, counted in accuracy or written to a manifest, and is counted in `unknownImages`.
   */
  static async load(
    root: string,
    days: readonly PredictionFolder[],
    onUnread: OnUnreadSidecar = () => {},
  ): Promise<LocalPredictionIndex> {
    const index = new LocalPredictionIndex();
    for (const { day, images, keys, folder = path.join(root, day) } of days) {
      index.images.set(day, images);
      const text = await readPredictions(folder, onUnread);
      if (text === undefined) continue;
      for (const row of parsePredictionRows(text, path.join(folder, PREDICTIONS_FILE))) {
        const image = row.image ?? row.file ?? row.filename;
        if (!image || !row.prediction) continue;
        const key = `${day}/${relativeImagePath(image)}`;
        if (keys && !keys.has(key)) {
          index.countUnknown(day, image);
          continue;
        }
        const confidence = normalizeConfidence(row.confidence ? Number(row.confidence) : undefined);
        index.add({
          key,
          day,
          prediction: row.prediction,
          ...(confidence === undefined ? {} : { confidence }),
        });
      }
    }
    return index;
  }

  /** Predictions of a day that name no image of that day: how many, and the first few names. */
  unknownImages(day: string): UnknownImages {
    return this.unknown.get(day) ?? { count: 0, examples: [] };
  }

  private countUnknown(day: string, image: string): void {
    const entry = this.unknown.get(day) ?? { count: 0, examples: [] };
    if (entry.examples.length < MAX_UNKNOWN_EXAMPLES) entry.examples.push(truncateText(image, 80));
    this.unknown.set(day, { count: entry.count + 1, examples: entry.examples });
  }

  add(match: PredictionMatch): void {
    this.byKey.set(match.key, match);
    const name = path.basename(match.key);
    this.byName.set(name, [...(this.byName.get(name) ?? []), match.key]);
  }

  async lookup(_dataset: string, refs: readonly ItemRef[]): Promise<PredictionLookup[]> {
    return refs.map((ref) => this.lookupOne(ref));
  }

  private lookupOne(ref: ItemRef): PredictionLookup {
    if (ref.key) {
      const exact = this.byKey.get(ref.key);
      if (exact) return { status: 'matched', record: exact };
      // A longer path ending in day/file (e.g. /data/run/day_5/img.jpg) still names that image.
      const parts = ref.key.split('/');
      // …or day/segment/file for an image in a segment sub-folder.
      const tail =
        this.byKey.get(parts.slice(-2).join('/')) ?? this.byKey.get(parts.slice(-3).join('/'));
      if (tail) return { status: 'matched', record: tail };
    }
    const candidates = this.byName.get(ref.fileName) ?? [];
    if (candidates.length === 1)
      return {
        status: 'matched',
        record: this.byKey.get(candidates[0] as string) as PredictionMatch,
      };
    if (candidates.length > 1) return { status: 'ambiguous', candidates: candidates.length };
    return { status: 'unmatched' };
  }

  async imagesOnDay(_dataset: string, day: string): Promise<number> {
    return this.images.get(day) ?? 0;
  }
}
