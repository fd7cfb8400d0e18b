import { parseMonitorConfig } from '../lambdas/core/drift/monitor-config.ts';
import type { ConfusionMatrix } from '../lambdas/core/performance/confusion-matrix.ts';
import {
  atcCalibration,
  calibrationHistogram,
  estimateAccuracy,
} from '../lambdas/core/performance/estimated-performance.ts';
import {
  evaluateEstimatedPerformance,
  evaluatePerformanceMonitors,
} from '../lambdas/core/performance/evaluate-performance.ts';
import { performanceMetrics } from '../lambdas/core/performance/metrics.ts';
import type { PerformanceRecord } from '../lambdas/core/performance/performance-record.ts';
import { KllSketch } from '../lambdas/core/sketches/kll-sketch.ts';
import { SeededRandom } from '../lambdas/core/sketches/random.ts';

/** The shipped accuracy monitor (maxDrop 0.15, minLabelled 30, alpha 0.01). */
const CONFIG = parseMonitorConfig({});
const MONITOR = CONFIG.monitors.find((m) => m.kind === 'performance');
/** The same monitor without the minimum-label guard: what the significance test does alone. */
const TEST_ONLY = parseMonitorConfig({
  monitors: [{ ...MONITOR, minLabelled: 1 }],
});

function labelledDay(day: string, labels: number, accuracy: number, random: SeededRandom) {
  let right = 0;
  for (let i = 0; i < labels; i++) if (random.next() < accuracy) right++;
  const confusion: ConfusionMatrix = { cat: { cat: right, dog: labels - right } };
  const record: PerformanceRecord = {
    version: 1,
    dataset: 'sim',
    day,
    confusion,
    metrics: performanceMetrics(confusion, { resamples: 0 }),
    images: labels,
    updatedAt: '',
  };
  return record;
}

export interface AlertRates {
  readonly labelsPerDay: number;
  readonly trials: number;
  /** Days on which the shipped monitor fired. */
  readonly fired: number;
  /** …and with no minimum-label guard (the significance test alone). */
  readonly testOnly: number;
  /** Days on which the former rule (point estimate: before − today > maxDrop, no guard) would have fired. */
  readonly pointRule: number;
}

/**
 * Unchanged accuracy (`accuracy` every day): each trial draws 7 trailing labelled days and today,
 * all with `labelsPerDay` labels, and asks the shipped monitor and the former point-estimate rule.
 * With `todayAccuracy` below `accuracy` it measures detection power instead.
 */
export function simulatePerformanceAlerts(options: {
  readonly labelsPerDay: number;
  readonly trials: number;
  readonly accuracy?: number;
  readonly todayAccuracy?: number;
  readonly todayLabels?: number;
  readonly trailingDays?: number;
  readonly seed?: number;
}): AlertRates {
  const accuracy = options.accuracy ?? 0.8;
  const random = new SeededRandom(options.seed ?? 14);
  const maxDrop = MONITOR?.kind === 'performance' ? (MONITOR.maxDrop ?? 0.15) : 0.15;
  let fired = 0;
  let testOnly = 0;
  let pointRule = 0;
  for (let t = 0; t < options.trials; t++) {
    const trailing = Array.from({ length: options.trailingDays ?? 7 }, (_, i) =>
      labelledDay(
        `2026-11-${String(i + 1).padStart(2, '0')}`,
        options.labelsPerDay,
        accuracy,
        random,
      ),
    );
    const today = labelledDay(
      '2026-11-20',
      options.todayLabels ?? options.labelsPerDay,
      options.todayAccuracy ?? accuracy,
      random,
    );
    if (evaluatePerformanceMonitors(CONFIG, today, trailing).some((r) => r.fired)) fired++;
    if (evaluatePerformanceMonitors(TEST_ONLY, today, trailing).some((r) => r.fired)) testOnly++;
    const right = trailing.reduce((s, r) => s + (r.confusion.cat?.cat ?? 0), 0);
    const labelled = trailing.reduce((s, r) => s + r.metrics.labelled, 0);
    if (right / labelled - (today.metrics.accuracy ?? 0) > maxDrop) pointRule++;
  }
  return { labelsPerDay: options.labelsPerDay, trials: options.trials, fired, testOnly, pointRule };
}

/**
 * The estimated-drop check with no real change: a calibrated two-class model (confidence
 * c ~ U(0.5, 1), right with probability c, classes 50/50) on `calibrationDays` labelled days of
 * `labelsPerDay` labels, then a day of `predictionsPerDay` unlabelled predictions. Returns how many
 * simulated days the shipped monitor fired on.
 */
export function simulateEstimatedAlerts(options: {
  readonly predictionsPerDay: number;
  readonly labelsPerDay: number;
  readonly calibrationDays: number;
  readonly trials: number;
  readonly seed?: number;
}): { readonly trials: number; readonly fired: number; readonly meanAbsoluteError: number } {
  const random = new SeededRandom(options.seed ?? 15);
  const draw = () => {
    const confidence = 0.5 + random.next() / 2;
    const truth = random.next() < 0.5 ? 'cat' : 'dog';
    const correct = random.next() < confidence;
    const prediction = correct ? truth : truth === 'cat' ? 'dog' : 'cat';
    return { confidence, correct, truth, prediction };
  };
  let fired = 0;
  let error = 0;
  for (let t = 0; t < options.trials; t++) {
    const labelled = Array.from({ length: options.calibrationDays * options.labelsPerDay }, draw);
    const calibration = atcCalibration(calibrationHistogram(labelled));
    if (!calibration) continue;
    const truth = new Map<string, number>();
    for (const l of labelled) truth.set(l.truth, (truth.get(l.truth) ?? 0) + 1);
    const day = Array.from({ length: options.predictionsPerDay }, draw);
    const sketch = new KllSketch(128, t + 1);
    const predicted = new Map<string, number>();
    for (const d of day) {
      sketch.update(d.confidence);
      predicted.set(d.prediction, (predicted.get(d.prediction) ?? 0) + 1);
    }
    const estimate = estimateAccuracy({
      calibration,
      truth,
      confidences: sketch,
      predicted,
      calibratedOn: ['sim'],
    });
    if (!estimate) continue;
    error += Math.abs(estimate.accuracy - day.filter((d) => d.correct).length / day.length);
    if (evaluateEstimatedPerformance(CONFIG, estimate).some((r) => r.fired)) fired++;
  }
  return { trials: options.trials, fired, meanAbsoluteError: error / options.trials };
}
