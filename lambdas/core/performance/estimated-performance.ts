import { type KllSketch, rankErrorOf } from '../sketches/kll-sketch.ts';
import { normalQuantile } from '../stats/normal.ts';

/**
 * Accuracy estimated from the model's confidences before labels arrive: ATC, Average Thresholded
 * Confidence (Garg, Balakrishnan, Lipton, Neyshabur, Sedghi, "Leveraging Unlabeled Data to Predict
 * Out-of-Distribution Performance", ICLR 2022). On labelled data, choose the threshold t so that
 * the share of confidences above t equals the accuracy; on a new day, the estimate is the share
 * of that day's confidences above t.
 *
 * Assumptions (docs/monitors.md): the confidences are the top-class probability the model logged;
 * the calibration days come from the same model version; the shift keeps the ordering of
 * confidence and correctness (a day whose errors are as confident as the calibration days' right
 * answers is under-flagged — ATC's known failure, and why prediction drift runs beside it).
 */

/** Labelled confidences are kept in bins of this width: counts merge by addition, like confusion matrices. */
export const CALIBRATION_BINS = 1000;

/** Per confidence bin (index ⌊c·CALIBRATION_BINS⌋): labelled images and how many of them the model got right. */
export interface CalibrationHistogram {
  readonly bins: number;
  /** [bin, labelled, correct], by bin. */
  readonly cells: readonly (readonly [number, number, number])[];
}

export function calibrationHistogram(
  pairs: Iterable<{ readonly confidence: number; readonly correct: boolean }>,
): CalibrationHistogram {
  const counts = new Map<number, [number, number]>();
  for (const { confidence, correct } of pairs) {
    if (!Number.isFinite(confidence) || confidence < 0 || confidence > 1) continue;
    const bin = Math.min(CALIBRATION_BINS - 1, Math.floor(confidence * CALIBRATION_BINS));
    const cell = counts.get(bin) ?? [0, 0];
    cell[0]++;
    if (correct) cell[1]++;
    counts.set(bin, cell);
  }
  return cellsOf(counts);
}

export function mergeCalibration(
  histograms: readonly CalibrationHistogram[],
): CalibrationHistogram {
  const counts = new Map<number, [number, number]>();
  for (const h of histograms) {
    if (h.bins !== CALIBRATION_BINS) continue; // a future resolution would need resampling
    for (const [bin, n, correct] of h.cells) {
      const cell = counts.get(bin) ?? [0, 0];
      cell[0] += n;
      cell[1] += correct;
      counts.set(bin, cell);
    }
  }
  return cellsOf(counts);
}

function cellsOf(counts: Map<number, [number, number]>): CalibrationHistogram {
  return {
    bins: CALIBRATION_BINS,
    cells: [...counts]
      .sort(([a], [b]) => a - b)
      .map(([bin, [n, correct]]) => [bin, n, correct] as const),
  };
}

export interface AtcCalibration {
  /** Confidence threshold t: the share of calibration confidences above t equals `accuracy`. */
  readonly threshold: number;
  /** Labelled accuracy of the calibration set. */
  readonly accuracy: number;
  readonly labelled: number;
}

/**
 * The ATC threshold of a calibration set. Walking the bins from the most confident down, t falls
 * in the bin where the count above it reaches accuracy·N, placed linearly inside the bin (the
 * confidences in a bin taken as evenly spread). Undefined without labels.
 */
export function atcCalibration(histogram: CalibrationHistogram): AtcCalibration | undefined {
  let labelled = 0;
  let correct = 0;
  for (const [, n, c] of histogram.cells) {
    labelled += n;
    correct += c;
  }
  if (labelled === 0) return undefined;
  const width = 1 / histogram.bins;
  let above = 0;
  let threshold = 0;
  for (let i = histogram.cells.length - 1; i >= 0; i--) {
    const [bin, n] = histogram.cells[i] as readonly [number, number, number];
    if (above + n >= correct) {
      threshold = (bin + 1) * width - ((correct - above) / n) * width;
      break;
    }
    above += n;
  }
  return { threshold, accuracy: correct / labelled, labelled };
}

export interface EstimatedPerformance {
  readonly accuracy: number;
  readonly low: number;
  readonly high: number;
  /** "ATC", or "ATC, capped by class mix" when the class-mix bound was the lower. */
  readonly method: string;
  /** What the threshold was calibrated on: labelled days (and "reference"). */
  readonly calibratedOn: readonly string[];
  /** Predictions with a confidence behind the estimate. */
  readonly predictions: number;
  /** Calibration accuracy and size, for the drop test. */
  readonly calibrationAccuracy: number;
  readonly calibrationLabelled: number;
  readonly threshold: number;
  /** Standard error of `accuracy` (sampling of the day and of the calibration). */
  readonly standardError: number;
}

/** Two-sided level of the estimate's interval. */
const INTERVAL_Z = normalQuantile(0.975);

export interface EstimateInputs {
  readonly calibration: AtcCalibration;
  /** True-class counts of the calibration labels (the label prior). */
  readonly truth: ReadonlyMap<string, number>;
  /** The day's confidences (top-class probability) and predicted-class counts. */
  readonly confidences: KllSketch;
  readonly predicted: ReadonlyMap<string, number>;
  readonly calibratedOn: readonly string[];
}

/**
 * The day's estimated accuracy with a 95% interval.
 *
 * ATC: p̂ = 1 − F(t), the share of the day's confidences above the threshold, with
 *   se² = p̂(1−p̂)/n + a(1−a)/m
 * (n the day's confidences, a and m the calibration accuracy and count): the day's binomial
 * sampling, widened by the calibration's (an error δ in a moves t so that δ of the calibration
 * mass crosses it, and about as much of the day's).
 *
 * Class-mix cap: a model that predicts class c for a share q_c of the images can be right on at
 * most min(q_c, π_c) of them, π_c the share of c among the labels, so accuracy ≤ B = Σ_c min(q_c, π_c)
 * while the label prior holds (a camera fault changes the images, not which animals walk by).
 * Real models under shift are often confidently wrong — the demo's classifier calls every
 * pixelated image "dog" at confidence 1.0, where ATC alone says 100% — and the cap catches
 * exactly that collapse. se² of B sums, over the binding terms, q_c(1−q_c)/n or
 * π_c(1−π_c)·(1/m + 1/n): the day's own animals are n draws from the prior π, so the day's share of
 * c scatters around π_c by π_c(1−π_c)/n on top of the calibration's error in π_c.
 * The estimate is min(p̂, B); the interval is ±1.96·se plus the sketch's rank error. It covers
 * sampling, not ATC's own bias under shift (3–4 points in Garg et al.'s benchmarks).
 */
export function estimateAccuracy(inputs: EstimateInputs): EstimatedPerformance | undefined {
  const { calibration, confidences } = inputs;
  if (confidences.isEmpty()) return undefined;
  const n = confidences.n;
  const atc = 1 - confidences.rank(calibration.threshold);
  const a = calibration.accuracy;
  const atcVariance = (atc * (1 - atc)) / n + (a * (1 - a)) / calibration.labelled;
  const cap = classMixBound(inputs.predicted, inputs.truth);
  const capped = cap !== undefined && cap.bound < atc;
  const accuracy = capped ? cap.bound : atc;
  const standardError = Math.sqrt(capped ? cap.variance : atcVariance);
  const half = INTERVAL_Z * standardError + rankErrorOf(confidences);
  return {
    accuracy,
    low: Math.max(0, accuracy - half),
    high: Math.min(1, accuracy + half),
    method: capped ? 'ATC, capped by class mix' : 'ATC',
    calibratedOn: inputs.calibratedOn,
    predictions: n,
    calibrationAccuracy: a,
    calibrationLabelled: calibration.labelled,
    threshold: calibration.threshold,
    standardError,
  };
}

/** B = Σ_c min(q_c, π_c) and its variance; undefined without predictions or labels. */
export function classMixBound(
  predicted: ReadonlyMap<string, number>,
  truth: ReadonlyMap<string, number>,
): { bound: number; variance: number } | undefined {
  const n = [...predicted.values()].reduce((s, x) => s + x, 0);
  const m = [...truth.values()].reduce((s, x) => s + x, 0);
  if (n === 0 || m === 0) return undefined;
  let bound = 0;
  let variance = 0;
  for (const c of new Set([...predicted.keys(), ...truth.keys()])) {
    const q = (predicted.get(c) ?? 0) / n;
    const p = (truth.get(c) ?? 0) / m;
    bound += Math.min(q, p);
    variance += q <= p ? (q * (1 - q)) / n : p * (1 - p) * (1 / m + 1 / n);
  }
  return { bound, variance };
}
