import type { LabelledImage } from '../core/labels/labelled-image.ts';
import type { PerformanceRecord } from '../core/performance/performance-record.ts';

export interface LabelStore {
  /** Stores labels, replacing earlier labels of the same images. */
  saveLabels(dataset: string, labelled: readonly LabelledImage[]): Promise<void>;
  /** Streams the labels of a prediction day (a day can hold more labels than memory should). */
  labelsForDay(dataset: string, day: string): AsyncIterable<LabelledImage>;
  savePerformance(record: PerformanceRecord): Promise<void>;
  loadPerformance(dataset: string, day: string): Promise<PerformanceRecord | undefined>;
  /** Days with a performance record. */
  listPerformanceDays(dataset: string): Promise<string[]>;
  /** The retraining manifest of a day: one JSON line per labelled image. */
  writeManifest(
    dataset: string,
    day: string,
    labelled: AsyncIterable<LabelledImage>,
  ): Promise<void>;
}
