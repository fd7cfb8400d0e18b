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

/** What claiming a chunk's images found, by image key. */
export interface ClaimResult {
  /** Claimed for this partial: commit it to count them. */
  readonly claimed: readonly string[];
  /** Counted by an earlier commit (a redelivery, a re-upload, or a record from before claims). */
  readonly alreadyCounted: readonly string[];
  /**
   * Claimed by another attempt that may still commit (its lease runs): retry these later, neither
   * counted here nor dropped.
   */
  readonly busy: readonly string[];
}

/**
 * Counts each image exactly once, in two steps. `claimImages` marks each image's record with the
 * partial that will count it; `commitPartial` then stores that partial (and its segments' partials)
 * atomically: the commit is the point where the claimed images count. An attempt that dies between
 * the two leaves claims whose partial never appears; once their lease has run out, the next
 * delivery of those images takes them over. The lease must outlast any attempt (the profile
 * function's timeout plus a margin), so a claim is never taken over from an attempt that can still
 * commit.
 */
export interface PartialCommitter {
  /** The most items one commit can write (DynamoDB: 100 per transaction). */
  readonly maxItemsPerCommit: number;
  /** The items a commit of `images` images from `segments` distinct segments writes. */
  itemsPerCommit(images: number, segments: number): number;
  /**
   * A fresh id for the partial of one commit attempt, from the chunk's content key: claims name
   * it, and the commit stores the partial under it. Each call returns a different id.
   */
  newPartialId(partialKey: string): string;
  /**
   * Claims each record's image for the partial `partialId` (of the records' dataset and day),
   * storing the record. Claiming again for the same id is harmless. Records must have distinct keys.
   */
  claimImages(records: readonly ImageRecord[], partialId: string): Promise<ClaimResult>;
  /** Stores the partial of the images claimed for `partialId`: from now on they count. */
  commitPartial(partial: {
    readonly dataset: string;
    readonly day: string;
    readonly partialId: string;
    readonly profile: DatasetProfile;
    /** The same images split by segment (each profile's dataset is its scope id); committed with it. */
    readonly segments?: ReadonlyMap<string, DatasetProfile> | undefined;
  }): Promise<void>;
  /**
   * A re-upload of images already counted: their stored prediction, confidence and model version
   * become these records' (when a record carries a prediction), unless a later upload's are already
   * stored. Nothing else changes: each image stays counted once, on its first day. Returns how many
   * records changed.
   */
  updateModelOutputs(records: readonly ImageRecord[]): Promise<number>;
}
