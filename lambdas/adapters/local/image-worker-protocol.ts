import type { ImageAnalysis } from '../../ports/image-analyzer.ts';

/** What the pool sends a worker: one image's file bytes (their buffer transferred, not copied). */
export interface AnalyzeTask {
  readonly id: number;
  readonly key: string;
  readonly bytes: Uint8Array;
}

/**
 * A worker's messages: ready once its modules are loaded, then per task the analysis, or the error
 * analysing threw (a bug, not a bad image: those are analyses with `ok: false`).
 */
export type WorkerMessage =
  | { readonly ready: true }
  | { readonly id: number; readonly analysis: ImageAnalysis }
  | { readonly id: number; readonly error: { name: string; message: string; stack?: string } };

/** The worker's settings, as workerData. */
export interface ImageWorkerSettings {
  /** Images above this many pixels are refused before decoding (SharpDecoder's limit). */
  readonly maxPixels: number;
}
