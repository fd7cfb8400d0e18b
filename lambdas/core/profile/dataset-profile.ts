import {
  CATEGORICAL_FEATURES,
  FEATURE_SET_VERSION,
  type ImageFeatures,
  NUMERIC_FEATURE_NAMES,
} from '../features/catalogue.ts';
import type { UnreadableReason } from '../image/decoded-image.ts';
import {
  addItem,
  DEFAULT_FREQUENT_ITEMS_CAPACITY,
  emptyFrequentItems,
  type FrequentItems,
  mergeFrequentItems,
} from '../sketches/frequent-items.ts';
import { DEFAULT_KLL_K, KllSketch } from '../sketches/kll-sketch.ts';
import { addValue, EMPTY_MOMENTS, type Moments, mergeMoments } from '../sketches/moments.ts';
import { stableSeed } from '../sketches/random.ts';
import { type Extreme, highestFirst, keepExtremes, lowestFirst, qualifies } from './extremes.ts';
import {
  addModelOutput,
  cloneModelOutputs,
  emptyModelOutputs,
  type ModelOutput,
  type ModelOutputs,
  mergeModelOutputsInto,
} from './model-outputs.ts';

/** Per numeric feature: moments, a KLL sketch of the per-image values, and the extreme images. */
export interface NumericColumn {
  moments: Moments;
  /** Images for which the feature did not apply or was not finite. */
  missing: number;
  readonly sketch: KllSketch;
  lowest: Extreme[];
  highest: Extreme[];
}

export interface CategoricalColumn {
  items: FrequentItems;
  missing: number;
}

/** A time window; day profiles use whole days (`2026-11-28`) or local day labels (`day_4`). */
export interface ProfileWindow {
  readonly start: string;
  readonly end: string;
}

/**
 * The mergeable summary of a set of images. `addImage`/`addUnreadable` update it in place while a
 * batch is profiled; `mergeProfiles` returns a new profile and leaves its inputs untouched.
 * Merging the profiles of two halves gives the profile of the whole: counts, min and max exactly,
 * mean and variance to rounding, quantiles within the KLL rank error.
 */
export interface DatasetProfile {
  readonly featureSetVersion: number;
  readonly dataset: string;
  window: ProfileWindow;
  /** Images profiled. */
  images: number;
  /** Inputs that could not be profiled, by reason. */
  unreadable: Partial<Record<UnreadableReason, number>>;
  readonly numeric: Map<string, NumericColumn>;
  readonly categorical: Map<string, CategoricalColumn>;
  /** The model's predictions and confidences for the profiled images (model-outputs.ts). */
  readonly outputs: ModelOutputs;
  readonly k: number;
}

export interface ProfileOptions {
  readonly dataset: string;
  readonly window: ProfileWindow;
  readonly k?: number;
}

export function emptyNumericColumn(name: string, k: number): NumericColumn {
  return {
    moments: EMPTY_MOMENTS,
    missing: 0,
    sketch: new KllSketch(k, stableSeed(name)),
    lowest: [],
    highest: [],
  };
}

export function emptyProfile({
  dataset,
  window,
  k = DEFAULT_KLL_K,
}: ProfileOptions): DatasetProfile {
  const numeric = new Map<string, NumericColumn>();
  for (const name of NUMERIC_FEATURE_NAMES) numeric.set(name, emptyNumericColumn(name, k));
  const categorical = new Map<string, CategoricalColumn>();
  for (const name of CATEGORICAL_FEATURES) {
    categorical.set(name, {
      items: emptyFrequentItems(DEFAULT_FREQUENT_ITEMS_CAPACITY),
      missing: 0,
    });
  }
  return {
    featureSetVersion: FEATURE_SET_VERSION,
    dataset,
    window,
    images: 0,
    unreadable: {},
    numeric,
    categorical,
    outputs: emptyModelOutputs(),
    k,
  };
}

/**
 * Adds one profiled image (in place). `key` identifies it for the extreme-image lists; `output` is
 * what the model said about it (absent: counted as an image without a prediction).
 */
export function addImage(
  profile: DatasetProfile,
  key: string,
  features: ImageFeatures,
  output?: ModelOutput,
): void {
  profile.images++;
  addModelOutput(profile.outputs, output);
  for (const [name, column] of profile.numeric) {
    const value = features.numeric[name as keyof ImageFeatures['numeric']];
    if (value === undefined || !Number.isFinite(value)) {
      column.missing++;
      continue;
    }
    column.moments = addValue(column.moments, value);
    column.sketch.update(value);
    const candidate = { value, key };
    if (qualifies(column.lowest, candidate, lowestFirst)) {
      column.lowest = keepExtremes([...column.lowest, candidate], lowestFirst);
    }
    if (qualifies(column.highest, candidate, highestFirst)) {
      column.highest = keepExtremes([...column.highest, candidate], highestFirst);
    }
  }
  for (const [name, column] of profile.categorical) {
    const value = features.categorical[name as keyof ImageFeatures['categorical']];
    if (value === undefined || value === '') column.missing++;
    else column.items = addItem(column.items, value);
  }
}

/** Counts one input that could not be profiled (in place). */
export function addUnreadable(profile: DatasetProfile, reason: UnreadableReason, count = 1): void {
  profile.unreadable[reason] = (profile.unreadable[reason] ?? 0) + count;
}

export function unreadableTotal(profile: DatasetProfile): number {
  return Object.values(profile.unreadable).reduce((sum, n) => sum + (n ?? 0), 0);
}

export class ProfileMismatchError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ProfileMismatchError';
  }
}

const earlier = (a: string, b: string) => (a <= b ? a : b);
const later = (a: string, b: string) => (a >= b ? a : b);

/**
 * Merges two profiles of the same dataset and feature set into a new one, leaving both untouched.
 * The left profile's sketches continue their random sequence, so merge partials in a fixed (key)
 * order for reproducible results.
 */
export function mergeProfiles(a: DatasetProfile, b: DatasetProfile): DatasetProfile {
  const merged = cloneProfile(a);
  mergeInto(merged, b);
  return merged;
}

/** Merges any number of profiles in the order given, cloning only once; undefined for none. */
export function mergeAll(profiles: readonly DatasetProfile[]): DatasetProfile | undefined {
  const [first, ...rest] = profiles;
  if (!first) return undefined;
  const merged = cloneProfile(first);
  for (const p of rest) mergeInto(merged, p);
  return merged;
}

/** Merges profiles as they arrive, holding only the running merge and the current profile. */
export async function mergeStream(
  profiles: AsyncIterable<DatasetProfile>,
): Promise<DatasetProfile | undefined> {
  let merged: DatasetProfile | undefined;
  for await (const p of profiles) {
    if (merged) mergeInto(merged, p);
    else merged = cloneProfile(p);
  }
  return merged;
}

export function cloneProfile(p: DatasetProfile): DatasetProfile {
  const numeric = new Map<string, NumericColumn>();
  for (const [name, c] of p.numeric) {
    numeric.set(name, {
      ...c,
      sketch: c.sketch.clone(),
      lowest: [...c.lowest],
      highest: [...c.highest],
    });
  }
  const categorical = new Map<string, CategoricalColumn>();
  for (const [name, c] of p.categorical) categorical.set(name, { ...c });
  return {
    ...p,
    window: { ...p.window },
    unreadable: { ...p.unreadable },
    numeric,
    categorical,
    outputs: cloneModelOutputs(p.outputs),
  };
}

/** Merges source into target in place (the nightly fold); mergeProfiles is the pure form. */
export function mergeInto(target: DatasetProfile, source: DatasetProfile): void {
  if (target.featureSetVersion !== source.featureSetVersion) {
    throw new ProfileMismatchError(
      `cannot merge feature set v${target.featureSetVersion} with v${source.featureSetVersion}: re-profile the older images`,
    );
  }
  if (target.dataset !== source.dataset) {
    throw new ProfileMismatchError(
      `cannot merge dataset "${target.dataset}" with "${source.dataset}"`,
    );
  }
  target.images += source.images;
  for (const [reason, n] of Object.entries(source.unreadable)) {
    addUnreadable(target, reason as UnreadableReason, n ?? 0);
  }
  target.window = {
    start: earlier(target.window.start, source.window.start),
    end: later(target.window.end, source.window.end),
  };
  for (const [name, theirs] of source.numeric) {
    const ours = target.numeric.get(name);
    if (!ours) {
      target.numeric.set(name, { ...theirs, sketch: theirs.sketch.clone() });
      continue;
    }
    ours.moments = mergeMoments(ours.moments, theirs.moments);
    ours.missing += theirs.missing;
    ours.sketch.merge(theirs.sketch);
    ours.lowest = keepExtremes([...ours.lowest, ...theirs.lowest], lowestFirst);
    ours.highest = keepExtremes([...ours.highest, ...theirs.highest], highestFirst);
  }
  for (const [name, theirs] of source.categorical) {
    const ours = target.categorical.get(name);
    if (!ours) {
      target.categorical.set(name, { ...theirs });
      continue;
    }
    ours.items = mergeFrequentItems(ours.items, theirs.items);
    ours.missing += theirs.missing;
  }
  mergeModelOutputsInto(target.outputs, source.outputs);
}
