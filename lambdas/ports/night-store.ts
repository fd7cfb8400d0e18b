import type { MonitorResult } from '../core/drift/monitor-result.ts';
import type { EstimatedPerformance } from '../core/performance/estimated-performance.ts';

/** What a night run stored for a dataset-day. Versioned: it outlives deploys. */
export interface NightRecord {
  readonly version: 1;
  readonly dataset: string;
  readonly day: string;
  readonly images: number;
  readonly unreadable: number;
  readonly unreadableByReason: Record<string, number>;
  readonly results: readonly MonitorResult[];
  /** Whether a drift monitor fired for the whole dataset (segments are in `segments`). */
  readonly driftAlerted: boolean;
  /** Per segment (camera, site, device) of the night; absent when the dataset has none. */
  readonly segments?: readonly SegmentNight[] | undefined;
  /** Accuracy estimated from the day's confidences (ATC), when labelled days could calibrate it. */
  readonly estimatedPerformance?: EstimatedPerformance | undefined;
  /** What could not be evaluated as configured (e.g. an empty fixed range); absent when none. */
  readonly warnings?: readonly string[] | undefined;
  readonly digest: 'none' | 'sent' | 'update-sent' | 'already-sent';
  readonly evaluatedAt: string;
}

export interface SegmentNight {
  readonly segment: string;
  readonly images: number;
  readonly unreadable: number;
  readonly driftAlerted: boolean;
}

export type DigestClaim = 'new' | 'duplicate' | 'update';

export interface NightStore {
  saveNight(record: NightRecord): Promise<void>;
  loadNight(dataset: string, day: string): Promise<NightRecord | undefined>;
  /**
   * Atomically records that a digest with this fingerprint is going out for the dataset-day:
   * 'new' (first), 'update' (a different set went out before), 'duplicate' (this set already went).
   */
  claimDigest(dataset: string, day: string, fingerprint: string): Promise<DigestClaim>;
  /** Undoes a claim whose publish failed, so a retry sends it. */
  releaseDigest(dataset: string, day: string, fingerprint: string): Promise<void>;
}
