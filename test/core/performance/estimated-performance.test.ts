import { describe, expect, it } from 'vitest';
import {
  atcCalibration,
  calibrationHistogram,
  classMixBound,
  estimateAccuracy,
  mergeCalibration,
} from '../../../lambdas/core/performance/estimated-performance.ts';
import { KllSketch } from '../../../lambdas/core/sketches/kll-sketch.ts';
import { SeededRandom } from '../../../lambdas/core/sketches/random.ts';

/**
 * A calibrated binary model: confidence c ~ U(0.5, 1), right with probability c. Under a shift that
 * makes it less sure (c ~ U(0.5, 0.8)) and still calibrated, its accuracy is the mean confidence.
 */
function predictions(n: number, seed: number, high = 1) {
  const random = new SeededRandom(seed);
  return Array.from({ length: n }, () => {
    const confidence = 0.5 + random.next() * (high - 0.5);
    return { confidence, correct: random.next() < confidence };
  });
}

const sketchOf = (values: readonly number[]) => {
  const sketch = new KllSketch(128, 1);
  for (const v of values) sketch.update(v);
  return sketch;
};

describe('ATC calibration', () => {
  it('puts the threshold where the share of confidences above it equals the accuracy', () => {
    const pairs = predictions(5000, 1);
    const calibration = atcCalibration(calibrationHistogram(pairs));
    const accuracy = pairs.filter((p) => p.correct).length / pairs.length;
    expect(calibration?.accuracy).toBeCloseTo(accuracy, 12);
    const above = pairs.filter((p) => p.confidence > (calibration?.threshold as number)).length;
    expect(Math.abs(above / pairs.length - accuracy)).toBeLessThan(0.002);
  });

  it('merges histograms by adding their counts', () => {
    const a = predictions(300, 2);
    const b = predictions(200, 3);
    expect(mergeCalibration([calibrationHistogram(a), calibrationHistogram(b)])).toEqual(
      calibrationHistogram([...a, ...b]),
    );
  });

  it('has no calibration without labels', () => {
    expect(atcCalibration(calibrationHistogram([]))).toBeUndefined();
  });
});

describe('estimateAccuracy', () => {
  const truth = new Map([
    ['cat', 500],
    ['dog', 500],
  ]);
  const calibration = atcCalibration(calibrationHistogram(predictions(2000, 4))) as NonNullable<
    ReturnType<typeof atcCalibration>
  >;

  const estimateFor = (day: ReturnType<typeof predictions>) =>
    estimateAccuracy({
      calibration,
      truth,
      confidences: sketchOf(day.map((p) => p.confidence)),
      predicted: new Map([
        ['cat', day.length / 2],
        ['dog', day.length / 2],
      ]),
      calibratedOn: ['day_1'],
    });
  const realisedOf = (day: ReturnType<typeof predictions>) =>
    day.filter((p) => p.correct).length / day.length;

  it('finds an unchanged day inside its interval', () => {
    const day = predictions(1000, 5);
    const estimate = estimateFor(day);
    expect(estimate?.method).toBe('ATC');
    expect(estimate?.low).toBeLessThan(realisedOf(day));
    expect(estimate?.high).toBeGreaterThan(realisedOf(day));
  });

  it("follows a calibrated model whose confidence falls to within ATC's bias (10 points)", () => {
    // c ~ U(0.5, 0.8): realised 65%, ATC 58% — the threshold from the calibration days undercounts.
    const day = predictions(1000, 6, 0.8);
    const estimate = estimateFor(day);
    expect(Math.abs((estimate?.accuracy as number) - realisedOf(day))).toBeLessThan(0.1);
    expect(estimate?.accuracy).toBeLessThan(calibration.accuracy - 0.1);
  });

  /** Every one of 100 images called "dog" at confidence 1.0 (the demo's fault). */
  const everyImageDogAtFullConfidence = () =>
    estimateAccuracy({
      calibration,
      truth,
      confidences: sketchOf(Array.from({ length: 100 }, () => 1)),
      predicted: new Map([['dog', 100]]),
      calibratedOn: ['day_1', 'day_2'],
    });

  it('caps an over-confident collapse onto one class by the class mix', () => {
    // Every image called "dog" at confidence 1.0: ATC alone would say 100%.
    const estimate = everyImageDogAtFullConfidence();
    expect(estimate?.method).toBe('ATC, capped by class mix');
    expect(estimate?.accuracy).toBeCloseTo(0.5, 12);
    expect(estimate?.high).toBeLessThan(0.65);
  });

  it("widens the cap's interval by the day's own draw of animals from the prior", () => {
    // 100 images from a 50/50 prior: the day's share of dogs, its accuracy here, is 50% ± 9.8 points.
    const estimate = everyImageDogAtFullConfidence();
    expect((estimate?.high as number) - (estimate?.accuracy as number)).toBeGreaterThan(
      1.96 * Math.sqrt(0.25 / 100),
    );
  });

  it('bounds accuracy by Σ min(predicted share, label share)', () => {
    const bound = classMixBound(
      new Map([
        ['cat', 20],
        ['dog', 80],
      ]),
      new Map([
        ['cat', 60],
        ['dog', 40],
      ]),
    );
    expect(bound?.bound).toBeCloseTo(0.2 + 0.4, 12);
  });
});
