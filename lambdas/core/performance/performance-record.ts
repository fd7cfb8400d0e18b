import type { ConfusionMatrix } from './confusion-matrix.ts';
import type { CalibrationHistogram } from './estimated-performance.ts';
import type { PerformanceMetrics } from './metrics.ts';

/** Model performance on one prediction day, recomputed whenever labels for that day arrive. */
export interface PerformanceRecord {
  readonly version: 1;
  readonly dataset: string;
  readonly day: string;
  /**
   * Counts by true and predicted label; above STORED_CLASSES classes the rarest are folded into
   * "other" (ingest-labels.ts), so the record stays small whatever the label files hold.
   */
  readonly confusion: ConfusionMatrix;
  /** Computed from the full matrix before any folding. */
  readonly metrics: PerformanceMetrics;
  /** Distinct classes (labels and predictions) of the day before folding; absent in older records. */
  readonly classes?: number | undefined;
  /** Images profiled that day, and the share of them that are labelled. */
  readonly images: number;
  readonly coverage?: number | undefined;
  /** Krippendorff's alpha of the annotators on that day's items in the latest file. */
  readonly agreement?: number | undefined;
  /** Whether a performance monitor fired for this day (left out of later days' baselines). */
  readonly alerted?: boolean | undefined;
  /** The labelled images' model confidences and correctness, binned: ATC calibrates on these. */
  readonly calibration?: CalibrationHistogram | undefined;
  readonly updatedAt: string;
}
