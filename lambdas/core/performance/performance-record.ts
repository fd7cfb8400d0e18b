import type { ConfusionMatrix } from './confusion-matrix.ts';
import type { CalibrationHistogram } from './estimated-performance.ts';
import type { PerformanceMetrics } from './metrics.ts';

/** Model performance on one prediction day, recomputed whenever labels for that day arrive. */
export interface PerformanceRecord {
  readonly version: 1;
  readonly dataset: string;
  readonly day: string;
  readonly confusion: ConfusionMatrix;
  readonly metrics: PerformanceMetrics;
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
