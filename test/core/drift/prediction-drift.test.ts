import { describe, expect, it } from 'vitest';
import { buildBaselines } from '../../../lambdas/core/drift/baselines.ts';
import { DEFAULT_MONITOR_CONFIG } from '../../../lambdas/core/drift/monitor-config.ts';
import {
  evaluatePredictionDrift,
  NEW_MODEL_VERSION,
  type PredictionDriftMonitor,
} from '../../../lambdas/core/drift/prediction-drift.ts';
import {
  addImage,
  type DatasetProfile,
  emptyProfile,
} from '../../../lambdas/core/profile/dataset-profile.ts';
import { SeededRandom } from '../../../lambdas/core/sketches/random.ts';
import { featureStream } from '../../helpers/features.ts';

const MONITOR = DEFAULT_MONITOR_CONFIG.monitors.find(
  (m): m is PredictionDriftMonitor => m.kind === 'prediction-drift',
) as PredictionDriftMonitor;
const FEATURES = featureStream(1, 1)[0] as never;

interface DayShape {
  readonly n: number;
  /** Share of "cat" predictions. */
  readonly cats: number;
  /** Confidence = 1 − beta-ish draw scaled by `spread` (larger: less confident). */
  readonly spread: number;
  /** Subtracted from every confidence (a model made unsure by a fault). */
  readonly shift?: number;
  readonly version?: string;
}

function dayProfile(day: string, shape: DayShape, seed: number): DatasetProfile {
  const random = new SeededRandom(seed);
  const profile = emptyProfile({ dataset: 'pets', window: { start: day, end: day } });
  for (let i = 0; i < shape.n; i++) {
    const u = random.next() * random.next();
    addImage(profile, `${day}/${i}.jpg`, FEATURES, {
      prediction: random.next() < shape.cats ? 'cat' : 'dog',
      confidence: 1 - (shape.shift ?? 0) - shape.spread * u,
      modelVersion: shape.version ?? 'v1',
    });
  }
  return profile;
}

const CLEAN: DayShape = { n: 100, cats: 0.5, spread: 0.5 };

function night(today: DatasetProfile, trailing: DatasetProfile[], reference?: DatasetProfile) {
  const baselines = buildBaselines({
    day: today.window.start,
    history: trailing.map((profile) => ({
      day: profile.window.start,
      profile,
      driftAlerted: false,
    })),
    reference,
    trailingDays: 7,
    excludeAlertedDays: true,
  });
  return evaluatePredictionDrift(MONITOR, today, baselines);
}

const trailingOf = (shape: DayShape, seed: number) =>
  [1, 2, 3].map((d) => dayProfile(`day_${d}`, shape, seed + d));

describe('prediction drift', () => {
  it('stays silent on 60 clean days of 100 predictions against a reference and three trailing days', () => {
    let fired = 0;
    for (let trial = 0; trial < 60; trial++) {
      const reference = dayProfile('reference', { ...CLEAN, n: 200 }, 10_000 + trial);
      const results = night(
        dayProfile('day_4', CLEAN, trial),
        trailingOf(CLEAN, 100 * trial),
        reference,
      );
      expect(results.length).toBeGreaterThan(0);
      if (results.some((r) => r.fired)) fired++;
    }
    expect(fired).toBe(0);
  });

  it('flags a day whose predictions collapse onto one class', () => {
    const results = night(dayProfile('day_4', { ...CLEAN, cats: 0.85 }, 4), trailingOf(CLEAN, 1));
    const mix = results.find((r) => r.feature === 'prediction');
    expect(mix?.fired).toBe(true);
    expect(mix?.summary).toMatch(/"cat" is 8\d% of predictions \(was \d\d%\)/);
  });

  it('flags a day on which the model is much less confident, overall and per class', () => {
    const results = night(dayProfile('day_4', { ...CLEAN, shift: 0.2 }, 4), trailingOf(CLEAN, 1));
    const fired = results.filter((r) => r.fired).map((r) => r.feature);
    expect(fired).toContain('confidence');
    expect(results.find((r) => r.feature === 'confidence')?.direction).toBe('down');
    expect(fired.some((f) => f?.startsWith('confidence:'))).toBe(true);
  });

  it('announces a new model version instead of comparing it with the old one', () => {
    const results = night(
      dayProfile('day_4', { ...CLEAN, cats: 0.85, version: 'v2' }, 4),
      trailingOf(CLEAN, 1),
    );
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({
      statistic: NEW_MODEL_VERSION,
      fired: true,
      severity: 'low',
    });
    expect(results[0]?.summary).toMatch(
      /new model version v2 made 100% of today's predictions \(before: v1\)/,
    );
  });

  it('compares a version with its own earlier days once it has them', () => {
    const v2 = { ...CLEAN, version: 'v2' };
    const trailing = [...trailingOf(CLEAN, 1), dayProfile('day_4', v2, 40)];
    const results = night(dayProfile('day_5', v2, 5), trailing);
    expect(results.some((r) => r.statistic === NEW_MODEL_VERSION)).toBe(false);
    const mix = results.find((r) => r.feature === 'prediction' && r.baseline === 'trailing');
    expect(mix?.score).toBeLessThan(mix?.threshold as number);
  });

  it('says nothing without predictions', () => {
    const empty = emptyProfile({ dataset: 'pets', window: { start: 'day_4', end: 'day_4' } });
    expect(night(empty, trailingOf(CLEAN, 1))).toEqual([]);
  });
});
