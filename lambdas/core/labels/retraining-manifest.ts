import type { LabelledImage } from './labelled-image.ts';

/** One line of a day's retraining manifest (JSON Lines): the image, its label and what the model said. */
function manifestLine(l: LabelledImage) {
  return {
    key: l.key,
    label: l.label,
    confidence: l.confidence,
    prediction: l.prediction,
    correct: l.correct,
  };
}

/**
 * The manifest as JSON Lines text in chunks of about `chunkChars` characters, so a writer can stream
 * a day of any size with only one chunk in memory.
 */
export async function* manifestChunks(
  labelled: AsyncIterable<LabelledImage>,
  chunkChars = 64 * 1024,
): AsyncGenerator<string> {
  let chunk = '';
  for await (const l of labelled) {
    chunk += `${JSON.stringify(manifestLine(l))}\n`;
    if (chunk.length >= chunkChars) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}
