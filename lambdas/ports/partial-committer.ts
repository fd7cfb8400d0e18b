import type { DatasetProfile } from '../core/profile/dataset-profile.ts';

/** What is kept per image: the prediction to join labels with later, and how the image was counted. */
export interface ImageRecord {
  readonly dataset: string;
  readonly key: string;
  /** Dataset-day the image counts towards (`reference` for reference images). */
  readonly day: string;
  readonly capturedAt: string;
  readonly prediction?: string | undefined;
  readonly confidence?: number | undefined;
  readonly modelVersion?: string | undefined;
  /** The camera, site or device it came from (core/profile/segments.ts), when known. */
  readonly segment?: string | undefined;
  /** Set when the image could not be profiled. */
  readonly unreadable?: string | undefined;
  /**
   * S3's event sequencer for the upload it was read for, as 32 hex digits (string order is upload
   * order for one key): a later upload's prediction is never replaced by an earlier one's.
   */
  readonly sequencer?: string | undefined;
  /** Epoch seconds after which the record may be deleted (DynamoDB TTL). */
  readonly expiresAt: number;
}

export type CommitResult =
  | { readonly committed: true }
  | { readonly committed: false; readonly alreadyCounted: readonly string[] };

/**
 * Stores a batch's partial profile (and its segments' partials) together with the records of the
 * images it counts, atomically: if any image was already counted (a redelivered or concurrent
 * message), nothing is stored and the keys of those images are returned, so the caller can rebuild
 * the partials without them.
 */
export interface PartialCommitter {
  /** The most items one commit can write (DynamoDB: 100 per transaction). */
  readonly maxItemsPerCommit: number;
  /** The items a commit of `images` images from `segments` distinct segments writes. */
  itemsPerCommit(images: number, segments: number): number;
  commitPartial(partial: {
    readonly dataset: string;
    readonly day: string;
    readonly partialKey: string;
    readonly profile: DatasetProfile;
    /** The same images split by segment (each profile's dataset is its scope id); committed with it. */
    readonly segments?: ReadonlyMap<string, DatasetProfile> | undefined;
    readonly records: readonly ImageRecord[];
  }): Promise<CommitResult>;
  /**
   * A re-upload of images already counted: their stored prediction, confidence and model version
   * become these records' (when a record carries a prediction), unless a later upload's are already
   * stored. Nothing else changes: each image stays counted once, on its first day. Returns how many
   * records changed.
   */
  updateModelOutputs(records: readonly ImageRecord[]): Promise<number>;
}
