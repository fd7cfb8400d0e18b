import { extractFeatures } from '../core/features/extract-features.ts';
import type { ImageAnalysis, ImageAnalyzer } from '../ports/image-analyzer.ts';
import type { ImageDecoder } from '../ports/image-decoder.ts';

/**
 * Decodes the bytes and extracts the image's features, or says why it cannot: the one analysis
 * of an image, run on the main thread and in the local worker threads alike, so both give the
 * same numbers.
 */
export async function analyzeImage(
  bytes: Uint8Array,
  decoder: ImageDecoder,
): Promise<ImageAnalysis> {
  const decoded = await decoder.decode(bytes);
  if (!decoded.ok) return { ok: false, reason: decoded.reason, detail: decoded.detail };
  return { ok: true, features: extractFeatures(decoded.image, decoded.container) };
}

/** Analyses images in this thread (the default, and `--workers 0`). */
export const inThreadAnalyzer = (decoder: ImageDecoder): ImageAnalyzer => ({
  analyze: (bytes) => analyzeImage(bytes, decoder),
});
