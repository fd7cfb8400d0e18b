import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { listImageFiles } from '../adapters/local/image-folder.ts';
import { encodeJpeg, resize, SharpDecoder } from '../adapters/sharp-codec.ts';
import type { ImageFeatures } from '../core/features/catalogue.ts';
import type { DecodedImage } from '../core/image/decoded-image.ts';
import { SeededRandom } from '../core/sketches/random.ts';
import { analyzeImage } from '../use-cases/analyze-image.ts';
import { predictCatDog, trainCatDogModel } from './classifier.ts';
import { CAMERA_FAULT, type Corruption } from './corruptions.ts';
import { type AnimalClass, syntheticPhoto } from './synthetic-photo.ts';

export interface ScenarioOptions {
  readonly out: string;
  /** Images the classifier is trained on (kept in memory, never written). */
  readonly trainingSize?: number;
  /** Held-out validation images written to reference/, with predictions and labels. */
  readonly referenceSize?: number;
  readonly perDay?: number;
  readonly days?: number;
  /** First day (1-based) with the camera fault. */
  readonly faultFromDay?: number;
  readonly fault?: Corruption;
  readonly seed?: number;
  readonly width?: number;
  readonly height?: number;
  /** Build from these photos (Kaggle-style cat.1.jpg / dog.2.jpg names) instead of synthetic ones. */
  readonly images?: string | undefined;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface ScenarioImage {
  readonly folder: string;
  readonly file: string;
  readonly animal: AnimalClass;
  readonly faulty: boolean;
}

export interface Scenario {
  readonly root: string;
  readonly days: readonly string[];
  /** The reference (validation) and day images; the training images are not written. */
  readonly images: readonly ScenarioImage[];
}

const MANIFEST = 'scenario.json';
/** The plan's name for the training split: its images are only ever in memory. */
const TRAINING = '(training)';
/** The reference's labels: a curated validation set, labelled exactly, in the generic CSV format. */
export const VALIDATION_LABELS = 'validation-labels.csv';

const featureDecoder = new SharpDecoder();
/** Features of an encoded photo, as the model sees a served image. */
async function featuresOfBytes(bytes: Uint8Array, name: string): Promise<ImageFeatures> {
  const analysis = await analyzeImage(bytes, featureDecoder);
  if (!analysis.ok) throw new Error(`${name}: ${analysis.detail}`);
  return analysis.features;
}
const QUALITY = 90;

/**
 * Writes the cats-vs-dogs story as a local root: reference/ (a held-out validation set of the
 * pre-production distribution, with the model's predictions and exact labels) and day_1 … day_N,
 * with the camera fault applied to every image from `faultFromDay` on. The classifier is trained on
 * a separate split of `trainingSize` images, so the reference's confidences are those of images the
 * model did not fit: what calibrates the accuracy estimate before any day is labelled.
 * Deterministic for a seed, and reused when the same options were already written.
 */
export async function buildScenario(options: ScenarioOptions): Promise<Scenario> {
  const settings = {
    trainingSize: options.trainingSize ?? 200,
    referenceSize: options.referenceSize ?? 200,
    perDay: options.perDay ?? 100,
    days: options.days ?? 7,
    faultFromDay: options.faultFromDay ?? 4,
    seed: options.seed ?? 1,
    width: options.width ?? 500,
    height: options.height ?? 375,
    images: options.images ? path.resolve(options.images) : null,
    custom: options.fault !== undefined,
  };
  const root = path.resolve(options.out);
  const manifestPath = path.join(root, MANIFEST);
  try {
    const previous = JSON.parse(await readFile(manifestPath, 'utf8'));
    if (!settings.custom && JSON.stringify(previous.settings) === JSON.stringify(settings))
      return previous.scenario as Scenario;
  } catch {
    // no usable manifest: build
  }
  await rm(root, { recursive: true, force: true });

  const days = Array.from({ length: settings.days }, (_, i) => `day_${i + 1}`);
  const plan: { folder: string; animal: AnimalClass; faulty: boolean; source?: number }[] = [];
  const random = new SeededRandom(settings.seed);
  const animalOf = (): AnimalClass => (random.next() < 0.5 ? 'cat' : 'dog');
  for (let i = 0; i < settings.referenceSize; i++)
    plan.push({ folder: 'reference', animal: animalOf(), faulty: false });
  days.forEach((day, d) => {
    for (let i = 0; i < settings.perDay; i++)
      plan.push({ folder: day, animal: animalOf(), faulty: d + 1 >= settings.faultFromDay });
  });
  // Drawn last, so the reference and day images of a seed are those of earlier versions.
  for (let i = 0; i < settings.trainingSize; i++)
    plan.push({ folder: TRAINING, animal: animalOf(), faulty: false });

  const photos = settings.images
    ? await userPhotos(settings.images, plan.length, settings.seed)
    : undefined;
  const fault = options.fault ?? CAMERA_FAULT;
  const counters = { cat: 0, dog: 0 };
  const images: ScenarioImage[] = [];
  const training: { features: ImageFeatures; animal: AnimalClass }[] = [];
  // Features of each written image, computed from its bytes here rather than read back later.
  const featuresOf = new Map<ScenarioImage, ImageFeatures>();
  for (const [i, item] of plan.entries()) {
    const source = photos?.[i];
    const animal = source?.animal ?? item.animal;
    let image: DecodedImage = source
      ? await source.load()
      : syntheticPhoto(settings.width, settings.height, settings.seed * 1_000_003 + i, animal);
    if (item.faulty) image = await fault(image, settings.seed * 7919 + i);
    const bytes = await encodeJpeg(image, QUALITY);
    options.onProgress?.(i + 1, plan.length);
    if (item.folder === TRAINING) {
      training.push({ features: await featuresOfBytes(bytes, `training image ${i}`), animal });
      continue;
    }
    counters[animal]++;
    const file = `${animal}.${counters[animal]}.jpg`;
    await mkdir(path.join(root, item.folder), { recursive: true });
    await writeFile(path.join(root, item.folder, file), bytes);
    const written: ScenarioImage = { folder: item.folder, file, animal, faulty: item.faulty };
    images.push(written);
    featuresOf.set(written, await featuresOfBytes(bytes, file));
  }
  const model = trainCatDogModel(training);
  const predict = (image: ScenarioImage) =>
    predictCatDog(model, featuresOf.get(image) as ImageFeatures);
  await writePredictionsAndLabels(root, days, images, predict, settings.seed);
  const scenario: Scenario = { root, days, images };
  await writeFile(manifestPath, `${JSON.stringify({ settings, scenario }, null, 1)}\n`);
  return scenario;
}

/** The user's photos, shuffled with the seed, each loaded as RGB with the long edge at most 500 px. */
async function userPhotos(folder: string, needed: number, seed: number) {
  const files = await listImageFiles(folder);
  const labelled = files
    .map((f) => ({
      f,
      animal: /^(cat|dog)[._-]/i.exec(path.basename(f.key))?.[1]?.toLowerCase() as
        | AnimalClass
        | undefined,
    }))
    .filter((x): x is { f: (typeof files)[number]; animal: AnimalClass } => x.animal !== undefined);
  if (labelled.length < needed) {
    throw new Error(
      `--images needs at least ${needed} photos named like cat.1.jpg / dog.2.jpg in ${folder}, found ${labelled.length}`,
    );
  }
  const random = new SeededRandom(seed);
  for (let i = labelled.length - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1));
    [labelled[i], labelled[j]] = [
      labelled[j] as (typeof labelled)[number],
      labelled[i] as (typeof labelled)[number],
    ];
  }
  const decoder = new SharpDecoder();
  return labelled.slice(0, needed).map(({ f, animal }) => ({
    animal,
    load: async (): Promise<DecodedImage> => {
      // A photo above the image size limit (or a link swapped in) is refused unread, named like a bad one.
      const bytes = await f.read().catch((error: Error) => {
        throw new Error(`${f.key}: ${error.message}`, { cause: error });
      });
      const decoded = await decoder.decode(bytes);
      if (!decoded.ok) throw new Error(`${f.key}: ${decoded.detail}`);
      let image = decoded.image;
      if (image.channels !== 3) image = toRgb(image);
      const scale = Math.min(1, 500 / Math.max(image.width, image.height));
      return scale < 1
        ? resize(image, Math.round(image.width * scale), Math.round(image.height * scale))
        : image;
    },
  }));
}

function toRgb(image: DecodedImage): DecodedImage {
  const n = image.width * image.height;
  const pixels = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    const p = i * image.channels;
    const grey = image.channels <= 2;
    pixels[i * 3] = image.pixels[p] as number;
    pixels[i * 3 + 1] = image.pixels[grey ? p : p + 1] as number;
    pixels[i * 3 + 2] = image.pixels[grey ? p : p + 2] as number;
  }
  return { width: image.width, height: image.height, channels: 3, pixels };
}

/** Annotator accuracies of the simulated crowd (three answers per labelled image). */
const ANNOTATORS = [
  { id: 'worker-a', accuracy: 0.95 },
  { id: 'worker-b', accuracy: 0.85 },
  { id: 'worker-c', accuracy: 0.75 },
] as const;
/** Share of each day's images sent for labelling. */
const LABELLED_SHARE = 0.6;
const GOLDEN_TASKS_PER_DAY = 5;

/**
 * The model side of the story: the classifier trained on the training split predicts the reference
 * and every day's images (predictions.csv per folder, as a serving system would log them); the
 * reference's exact labels go to labels/validation-labels.csv (calibration only: never judged as a
 * day), and a simulated crowd labels a sample of each day, exported as Toloka results
 * (labels/toloka-results.tsv) with golden tasks and a rejected assignment, as a real pool export has.
 */
async function writePredictionsAndLabels(
  root: string,
  days: readonly string[],
  images: readonly ScenarioImage[],
  predict: (image: ScenarioImage) => { prediction: string; confidence: number },
  seed: number,
) {
  const predictFolder = async (folder: string) => {
    const lines = ['image,prediction,confidence'];
    for (const image of images.filter((i) => i.folder === folder)) {
      const { prediction, confidence } = predict(image);
      lines.push(`${image.file},${prediction},${confidence.toFixed(4)}`);
    }
    await writeFile(path.join(root, folder, 'predictions.csv'), `${lines.join('\n')}\n`);
  };
  const reference = images.filter((i) => i.folder === 'reference');
  await mkdir(path.join(root, 'labels'), { recursive: true });
  if (reference.length > 0) {
    await predictFolder('reference');
    await writeFile(
      path.join(root, 'labels', VALIDATION_LABELS),
      `${['image,label', ...reference.map((i) => `reference/${i.file},${i.animal}`)].join('\n')}\n`,
    );
  }
  const random = new SeededRandom(seed * 31337);
  const rows = [
    'INPUT:image\tOUTPUT:result\tGOLDEN:result\tASSIGNMENT:worker_id\tASSIGNMENT:status',
  ];
  const answer = (truth: AnimalClass, accuracy: number) =>
    random.next() < accuracy ? truth : truth === 'cat' ? 'dog' : 'cat';
  for (const day of days) {
    await predictFolder(day);
    for (const image of images.filter((i) => i.folder === day)) {
      if (random.next() >= LABELLED_SHARE) continue;
      for (const annotator of ANNOTATORS) {
        rows.push(
          `${day}/${image.file}\t${answer(image.animal, annotator.accuracy)}\t\t${annotator.id}\tAPPROVED`,
        );
      }
    }
    for (const golden of reference.slice(0, GOLDEN_TASKS_PER_DAY)) {
      for (const annotator of ANNOTATORS) {
        rows.push(
          `reference/${golden.file}\t${answer(golden.animal, annotator.accuracy)}\t${golden.animal}\t${annotator.id}\tAPPROVED`,
        );
      }
    }
  }
  rows.push(
    `${days[0]}/${images.find((i) => i.folder === days[0])?.file ?? 'missing.jpg'}\tdog\t\tworker-spam\tREJECTED`,
  );
  await writeFile(path.join(root, 'labels', 'toloka-results.tsv'), `${rows.join('\n')}\n`);
}
