import {
  addItem,
  DEFAULT_FREQUENT_ITEMS_CAPACITY,
  emptyFrequentItems,
  type FrequentItems,
  MAX_ITEM_LENGTH,
  mergeFrequentItems,
} from '../sketches/frequent-items.ts';
import { DEFAULT_KLL_K, KllSketch } from '../sketches/kll-sketch.ts';
import { addValue, EMPTY_MOMENTS, type Moments, mergeMoments } from '../sketches/moments.ts';
import { stableSeed } from '../sketches/random.ts';

/**
 * The model's side of a profile: what it predicted and how sure it was, per model version, so
 * prediction drift compares like with like (a new model is not "drift" of the old one).
 * Mergeable like the rest of the profile: class counts add (Misra–Gries), confidences merge as
 * moments and KLL sketches.
 */

/** What the serving system logged for one image (S3 metadata, or a predictions.csv row). */
export interface ModelOutput {
  readonly prediction?: string | undefined;
  /** The model's confidence in its predicted class (top-class softmax probability), in [0, 1]. */
  readonly confidence?: number | undefined;
  readonly modelVersion?: string | undefined;
}

/** Confidences of a set of predictions: moments and a KLL sketch, as the image features keep. */
export interface ConfidenceColumn {
  moments: Moments;
  readonly sketch: KllSketch;
}

/** One model version's outputs. */
export interface VersionOutputs {
  /** Predicted-class counts; `total` is the number of predictions of this version. */
  classes: FrequentItems;
  /** Confidence of every prediction that carried one. */
  readonly confidence: ConfidenceColumn;
  /** Confidence per predicted class, for the first MAX_CLASS_CONFIDENCE_COLUMNS classes seen. */
  readonly byClass: Map<string, ConfidenceColumn>;
}

export interface ModelOutputs {
  /** Images profiled without a prediction. */
  withoutPrediction: number;
  /** Outputs by model version; UNKNOWN_MODEL_VERSION when the image carried none. */
  readonly byVersion: Map<string, VersionOutputs>;
}

/** The version key of predictions that named no model version. */
export const UNKNOWN_MODEL_VERSION = '';
/**
 * Versions kept per profile; beyond it the least-used ones fold into OTHER_MODEL_VERSIONS. A day
 * rarely serves more than a canary and a main model; the cap bounds the profile's size.
 */
export const MAX_MODEL_VERSIONS = 3;
export const OTHER_MODEL_VERSIONS = '(other versions)';
/** Per-class confidence sketches kept per version (a class beyond it counts in the overall sketch only). */
export const MAX_CLASS_CONFIDENCE_COLUMNS = 8;
/** Smaller sketches per class: ±3% rank error instead of ±2%, a third of the bytes. */
export const CLASS_CONFIDENCE_K = 64;

export function emptyModelOutputs(): ModelOutputs {
  return { withoutPrediction: 0, byVersion: new Map() };
}

export function emptyConfidenceColumn(name: string, k: number): ConfidenceColumn {
  return { moments: EMPTY_MOMENTS, sketch: new KllSketch(k, stableSeed(name)) };
}

function emptyVersionOutputs(version: string): VersionOutputs {
  return {
    classes: emptyFrequentItems(DEFAULT_FREQUENT_ITEMS_CAPACITY),
    confidence: emptyConfidenceColumn(`model.confidence/${version}`, DEFAULT_KLL_K),
    byClass: new Map(),
  };
}

/** A confidence given as a percentage (0–100) is read as a fraction; anything else outside [0, 1] is dropped. */
export function normalizeConfidence(value: number | undefined): number | undefined {
  if (value === undefined || !Number.isFinite(value)) return undefined;
  if (value >= 0 && value <= 1) return value;
  if (value > 1 && value <= 100) return value / 100;
  return undefined;
}

/** Adds one profiled image's model output (in place). */
export function addModelOutput(outputs: ModelOutputs, output: ModelOutput | undefined): void {
  const prediction = output?.prediction?.trim().slice(0, MAX_ITEM_LENGTH);
  if (!prediction) {
    outputs.withoutPrediction++;
    return;
  }
  const versions = outputs.byVersion;
  const version = output?.modelVersion?.trim().slice(0, MAX_ITEM_LENGTH) || UNKNOWN_MODEL_VERSION;
  let entry = versions.get(version);
  if (!entry) {
    entry = emptyVersionOutputs(version);
    versions.set(version, entry);
  }
  entry.classes = addItem(entry.classes, prediction);
  const confidence = normalizeConfidence(output?.confidence);
  if (confidence !== undefined) {
    addConfidence(entry.confidence, confidence);
    let column = entry.byClass.get(prediction);
    if (!column && entry.byClass.size < MAX_CLASS_CONFIDENCE_COLUMNS) {
      column = emptyConfidenceColumn(
        `model.confidence/${version}/${prediction}`,
        CLASS_CONFIDENCE_K,
      );
      entry.byClass.set(prediction, column);
    }
    if (column) addConfidence(column, confidence);
  }
  if (versions.size > MAX_MODEL_VERSIONS) foldVersions(outputs);
}

function addConfidence(column: ConfidenceColumn, value: number): void {
  column.moments = addValue(column.moments, value);
  column.sketch.update(value);
}

export function cloneModelOutputs(o: ModelOutputs): ModelOutputs {
  const byVersion = new Map<string, VersionOutputs>();
  for (const [version, v] of o.byVersion) byVersion.set(version, cloneVersion(v));
  return { withoutPrediction: o.withoutPrediction, byVersion };
}

const cloneColumn = (c: ConfidenceColumn): ConfidenceColumn => ({
  moments: c.moments,
  sketch: c.sketch.clone(),
});

function cloneVersion(v: VersionOutputs): VersionOutputs {
  const byClass = new Map<string, ConfidenceColumn>();
  for (const [name, c] of v.byClass) byClass.set(name, cloneColumn(c));
  return { classes: v.classes, confidence: cloneColumn(v.confidence), byClass };
}

/** Merges source into target in place; versions in key order for reproducible sketches. */
export function mergeModelOutputsInto(target: ModelOutputs, source: ModelOutputs): void {
  target.withoutPrediction += source.withoutPrediction;
  const versions = [...source.byVersion.keys()].sort();
  for (const version of versions) {
    const theirs = source.byVersion.get(version) as VersionOutputs;
    const ours = target.byVersion.get(version);
    if (ours) mergeVersionInto(ours, theirs);
    else target.byVersion.set(version, cloneVersion(theirs));
  }
  if (target.byVersion.size > MAX_MODEL_VERSIONS) foldVersions(target);
}

function mergeColumnInto(target: ConfidenceColumn, source: ConfidenceColumn): void {
  target.moments = mergeMoments(target.moments, source.moments);
  target.sketch.merge(source.sketch);
}

function mergeVersionInto(target: VersionOutputs, source: VersionOutputs): void {
  target.classes = mergeFrequentItems(target.classes, source.classes);
  mergeColumnInto(target.confidence, source.confidence);
  for (const name of [...source.byClass.keys()].sort()) {
    const theirs = source.byClass.get(name) as ConfidenceColumn;
    const ours = target.byClass.get(name);
    if (ours) mergeColumnInto(ours, theirs);
    else if (target.byClass.size < MAX_CLASS_CONFIDENCE_COLUMNS)
      target.byClass.set(name, cloneColumn(theirs));
  }
}

/** Keeps the MAX_MODEL_VERSIONS − 1 most used versions and folds the rest together. */
function foldVersions(outputs: ModelOutputs): void {
  const ranked = [...outputs.byVersion]
    .filter(([version]) => version !== OTHER_MODEL_VERSIONS)
    .sort(([a, x], [b, y]) => y.classes.total - x.classes.total || (a < b ? -1 : 1));
  const folded = [
    ...ranked.slice(MAX_MODEL_VERSIONS - 1),
    ...[...outputs.byVersion].filter(([version]) => version === OTHER_MODEL_VERSIONS),
  ];
  const other = emptyVersionOutputs(OTHER_MODEL_VERSIONS);
  for (const [version, v] of folded) {
    mergeVersionInto(other, v);
    outputs.byVersion.delete(version);
  }
  outputs.byVersion.set(OTHER_MODEL_VERSIONS, other);
}

/** Predictions of all versions together. */
export function predictionCount(outputs: ModelOutputs): number {
  let n = 0;
  for (const v of outputs.byVersion.values()) n += v.classes.total;
  return n;
}

/** The version behind most of the predictions (ties: the later name); undefined without predictions. */
export function dominantVersion(outputs: ModelOutputs): string | undefined {
  let best: [string, number] | undefined;
  for (const [version, v] of outputs.byVersion)
    if (!best || v.classes.total > best[1] || (v.classes.total === best[1] && version > best[0]))
      best = [version, v.classes.total];
  return best && best[1] > 0 ? best[0] : undefined;
}

/** Model versions and their prediction counts, most used first. */
export function versionFrequencies(outputs: ModelOutputs): Record<string, number> {
  return Object.fromEntries(
    [...outputs.byVersion]
      .map(([version, v]) => [version || 'unknown', v.classes.total] as const)
      .sort((a, b) => b[1] - a[1]),
  );
}

/** A plain-data view for JSON and the report. */
export interface ModelOutputsSummary {
  readonly predictions: number;
  readonly withoutPrediction: number;
  readonly versions: Record<string, number>;
  readonly classes: Record<string, number>;
  readonly confidence?: { mean: number; quantiles: readonly number[] } | undefined;
}

export const CONFIDENCE_QUANTILES = [0.05, 0.25, 0.5, 0.75, 0.95] as const;

export function summarizeModelOutputs(outputs: ModelOutputs): ModelOutputsSummary {
  const classes = new Map<string, number>();
  let all: ConfidenceColumn | undefined;
  for (const version of [...outputs.byVersion.keys()].sort()) {
    const v = outputs.byVersion.get(version) as VersionOutputs;
    for (const [c, n] of v.classes.counts) classes.set(c, (classes.get(c) ?? 0) + n);
    if (!all) all = cloneColumn(v.confidence);
    else mergeColumnInto(all, v.confidence);
  }
  const hasConfidence = all !== undefined && all.moments.count > 0;
  return {
    predictions: predictionCount(outputs),
    withoutPrediction: outputs.withoutPrediction,
    versions: versionFrequencies(outputs),
    classes: Object.fromEntries([...classes].sort(([a], [b]) => (a < b ? -1 : 1))),
    ...(hasConfidence && all
      ? {
          confidence: {
            mean: all.moments.mean,
            quantiles: CONFIDENCE_QUANTILES.map((q) =>
              (all as ConfidenceColumn).sketch.quantile(q),
            ),
          },
        }
      : {}),
  };
}
