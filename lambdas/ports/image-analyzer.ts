import type { ImageFeatures } from '../core/features/catalogue.ts';
import type { UnreadableReason } from '../core/image/decoded-image.ts';

/** What profiling needs of one image: its features, or why it could not be read. */
export type ImageAnalysis =
  | { readonly ok: true; readonly features: ImageFeatures }
  | { readonly ok: false; readonly reason: UnreadableReason; readonly detail: string };

/**
 * Decodes an image and extracts its features, in this thread or elsewhere (worker threads). An
 * undecodable image is an answer (`ok: false`), never a thrown error.
 */
export interface ImageAnalyzer {
  /**
   * Analyses one image's file bytes. It may take ownership of `bytes` (an analyzer in another
   * thread transfers their buffer, which leaves the caller's view empty): pass bytes you are done
   * with. `key` names the image in errors.
   */
  analyze(bytes: Uint8Array, key: string): Promise<ImageAnalysis>;
  /** Analyses that run at once (worker threads); callers keep about twice that in flight. */
  readonly parallelism?: number;
}
