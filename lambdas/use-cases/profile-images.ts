import type { ImageFeatures } from '../core/features/catalogue.ts';
import type { UnreadableReason } from '../core/image/decoded-image.ts';
import {
  addImage,
  addUnreadable,
  type DatasetProfile,
  emptyProfile,
  type ProfileOptions,
} from '../core/profile/dataset-profile.ts';
import type { ModelOutput } from '../core/profile/model-outputs.ts';
import { runInFlight } from '../core/util/in-flight.ts';
import { WeightedSemaphore } from '../core/util/weighted-semaphore.ts';
import type { ImageAnalyzer } from '../ports/image-analyzer.ts';
import type { ImageDecoder } from '../ports/image-decoder.ts';
import type { ImageInput } from '../ports/image-source.ts';
import { ObjectTooLargeError } from '../ports/object-store.ts';
import { inThreadAnalyzer } from './analyze-image.ts';
import { pixelBudgetFor } from './pixel-budget.ts';

export interface UnreadableImage {
  readonly key: string;
  readonly reason: UnreadableReason;
  readonly detail: string;
}

export interface ProfileImagesResult {
  readonly profile: DatasetProfile;
  readonly unreadable: readonly UnreadableImage[];
}

export interface ProfileImagesOptions extends ProfileOptions {
  /** Reads each image's header for the pixel budget; decodes too unless `analyzer` is given. */
  readonly decoder: ImageDecoder;
  /** Decodes and extracts features (worker threads); default: in this thread with `decoder`. */
  readonly analyzer?: ImageAnalyzer | undefined;
  /**
   * Images read and analysed at once; libvips runs one thread per image. Default 4 (the libuv
   * pool size), or twice the analyzer's parallelism when that is more, so no worker waits.
   */
  readonly inFlight?: number;
  /**
   * Pixels decoded at once (width × height from each header): four 49 MP images would otherwise
   * decode together. Default: the profile function's budget, so a laptop needs what Lambda does.
   */
  readonly maxPixelsInFlight?: number;
  readonly onImage?: (key: string, features: ImageFeatures) => void;
  /** What the model said about an image (the day's predictions.csv); undefined: no prediction. */
  readonly outputOf?: (key: string) => ModelOutput | undefined;
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * Profiles a batch of images into one partial profile. A file that cannot be read or decoded is
 * counted as unreadable with its reason and never fails the batch. Images are added to the profile
 * in input order whatever order decoding finishes in, so the profile is reproducible.
 */
export async function profileImages(
  inputs: readonly ImageInput[],
  options: ProfileImagesOptions,
): Promise<ProfileImagesResult> {
  const { decoder, onImage, onProgress } = options;
  const analyzer = options.analyzer ?? inThreadAnalyzer(decoder);
  const inFlight = options.inFlight ?? Math.max(4, 2 * (analyzer.parallelism ?? 1));
  const budget = new WeightedSemaphore(options.maxPixelsInFlight ?? DEFAULT_PIXELS_IN_FLIGHT);
  const profile = emptyProfile(options);
  const unreadable: UnreadableImage[] = [];
  const outcomes = new Array<ImageFeatures | UnreadableImage | undefined>(inputs.length);
  let nextToAdd = 0;
  let done = 0;

  const flush = () => {
    while (nextToAdd < inputs.length && outcomes[nextToAdd] !== undefined) {
      const outcome = outcomes[nextToAdd] as ImageFeatures | UnreadableImage;
      const key = (inputs[nextToAdd] as ImageInput).key;
      if ('reason' in outcome) {
        addUnreadable(profile, outcome.reason);
        unreadable.push(outcome);
      } else {
        addImage(profile, key, outcome, options.outputOf?.(key));
        onImage?.(key, outcome);
      }
      outcomes[nextToAdd] = undefined;
      nextToAdd++;
    }
  };

  await runInFlight(inputs.length, inFlight, async (index) => {
    outcomes[index] = await profileOne(inputs[index] as ImageInput, decoder, analyzer, budget);
    done++;
    onProgress?.(done, inputs.length);
    flush();
  });
  return { profile, unreadable };
}

const DEFAULT_PIXELS_IN_FLIGHT = pixelBudgetFor(1769);

async function profileOne(
  input: ImageInput,
  decoder: ImageDecoder,
  analyzer: ImageAnalyzer,
  budget: WeightedSemaphore,
): Promise<ImageFeatures | UnreadableImage> {
  let bytes: Uint8Array;
  try {
    bytes = await input.read();
  } catch (error) {
    return {
      key: input.key,
      reason: error instanceof ObjectTooLargeError ? 'too-large' : 'read-failed',
      detail: error instanceof Error ? error.message : String(error),
    };
  }
  // Held from the header until the features are back: the decoded pixels live that long, in
  // this thread or in a worker.
  return budget.use((await decoder.pixelsOf(bytes)) ?? 0, async () => {
    const analysis = await analyzer.analyze(bytes, input.key);
    if (!analysis.ok) return { key: input.key, reason: analysis.reason, detail: analysis.detail };
    return analysis.features;
  });
}
