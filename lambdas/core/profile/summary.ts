import { stddev } from '../sketches/moments.ts';
import { type DatasetProfile, unreadableTotal } from './dataset-profile.ts';
import {
  type ModelOutputsSummary,
  predictionCount,
  summarizeModelOutputs,
} from './model-outputs.ts';

export const SUMMARY_QUANTILES = [0.05, 0.25, 0.5, 0.75, 0.95] as const;

export interface NumericSummary {
  readonly feature: string;
  readonly count: number;
  readonly missing: number;
  readonly mean?: number | undefined;
  readonly stddev?: number | undefined;
  readonly min?: number | undefined;
  readonly max?: number | undefined;
  /** Quantiles at SUMMARY_QUANTILES, from the KLL sketch. */
  readonly quantiles: readonly number[];
}

export interface ProfileSummary {
  readonly dataset: string;
  readonly window: { start: string; end: string };
  readonly featureSetVersion: number;
  readonly images: number;
  readonly unreadable: number;
  readonly unreadableByReason: Record<string, number>;
  readonly numeric: readonly NumericSummary[];
  readonly categorical: readonly {
    feature: string;
    missing: number;
    items: Record<string, number>;
  }[];
  /** Present when the profile recorded model outputs (format v2 and later). */
  readonly modelOutputs?: ModelOutputsSummary | undefined;
}

/** A plain-data view of a profile for printing and JSON. */
export function summarize(profile: DatasetProfile): ProfileSummary {
  const numeric: NumericSummary[] = [];
  for (const [feature, c] of profile.numeric) {
    const empty = c.moments.count === 0;
    numeric.push({
      feature,
      count: c.moments.count,
      missing: c.missing,
      mean: empty ? undefined : c.moments.mean,
      stddev: stddev(c.moments),
      min: empty ? undefined : c.moments.min,
      max: empty ? undefined : c.moments.max,
      quantiles: empty ? [] : SUMMARY_QUANTILES.map((q) => c.sketch.quantile(q)),
    });
  }
  return {
    dataset: profile.dataset,
    window: profile.window,
    featureSetVersion: profile.featureSetVersion,
    images: profile.images,
    unreadable: unreadableTotal(profile),
    unreadableByReason: { ...profile.unreadable } as Record<string, number>,
    numeric,
    categorical: [...profile.categorical].map(([feature, c]) => ({
      feature,
      missing: c.missing,
      items: Object.fromEntries(c.items.counts),
    })),
    ...(predictionCount(profile.outputs) + profile.outputs.withoutPrediction > 0
      ? { modelOutputs: summarizeModelOutputs(profile.outputs) }
      : {}),
  };
}
