import type { DatasetProfile } from '../core/profile/dataset-profile.ts';

/**
 * Where partial, day and reference profiles live (DynamoDB in AWS, files locally). `dataset` is a
 * scope id: a dataset name, or `<dataset>/<segment>` for one segment (core/profile/segments.ts).
 */
export interface ProfileStore {
  /**
   * The partial profiles written for a dataset-day, one at a time in key order (merge order matters
   * for reproducibility). A day can hold 100,000 partials; decoded, 10,000 take ~500 MB, so they are
   * never all in memory at once.
   */
  partials(dataset: string, day: string): AsyncIterable<DatasetProfile>;
  saveDayProfile(dataset: string, day: string, profile: DatasetProfile): Promise<void>;
  loadDayProfile(dataset: string, day: string): Promise<DatasetProfile | undefined>;
  /** Days that have a day profile, in any order. */
  listDays(dataset: string): Promise<string[]>;
  loadReference(dataset: string): Promise<DatasetProfile | undefined>;
  /**
   * Segments of a dataset that received images (partials) on a day, in any order; on the day
   * `reference`, the segments the reference images carried.
   */
  segmentsOn(dataset: string, day: string): Promise<string[]>;
}
