import { describe, expect, it } from 'vitest';
import { FileLabelStore } from '../../lambdas/adapters/local/file-label-store.ts';
import { FileNightStore } from '../../lambdas/adapters/local/file-night-store.ts';
import { FileNotifier } from '../../lambdas/adapters/local/file-notifier.ts';
import { FileProfileStore } from '../../lambdas/adapters/local/file-profile-store.ts';
import type { Digest } from '../../lambdas/core/drift/digest.ts';
import {
  DEFAULT_MONITOR_CONFIG,
  parseMonitorConfig,
} from '../../lambdas/core/drift/monitor-config.ts';
import type { ImageFeatures } from '../../lambdas/core/features/catalogue.ts';
import { calibrationHistogram } from '../../lambdas/core/performance/estimated-performance.ts';
import { performanceMetrics } from '../../lambdas/core/performance/metrics.ts';
import { addImage, emptyProfile } from '../../lambdas/core/profile/dataset-profile.ts';
import { segmentScope } from '../../lambdas/core/profile/segments.ts';
import type { Notifier } from '../../lambdas/ports/notifier.ts';
import { runNight } from '../../lambdas/use-cases/run-night.ts';
import { featureStream } from '../helpers/features.ts';
import { withTempDir } from '../helpers/files.ts';

const DATASET = 'pets';
const now = () => new Date('2026-11-28T03:00:00Z');
const profileOf = (features: readonly ImageFeatures[], day: string, offset = 0) => {
  const p = emptyProfile({ dataset: DATASET, window: { start: day, end: day } });
  for (const [i, f] of features.entries())
    addImage(p, `images/${DATASET}/${day}/${offset + i}.jpg`, f);
  return p;
};
const blurred = (features: readonly ImageFeatures[]) =>
  features.map((f) => ({
    ...f,
    numeric: { ...f.numeric, sharpness: (f.numeric.sharpness as number) / 3 },
  }));

async function setUp(dir: string) {
  const profiles = new FileProfileStore(dir);
  const nights = new FileNightStore(dir);
  const notifier = new FileNotifier(dir);
  await profiles.saveReference(DATASET, profileOf(featureStream(300, 1), 'reference'));
  return {
    profiles,
    nights,
    notifier,
    deps: { profiles, nights, notifier, config: DEFAULT_MONITOR_CONFIG, now },
  };
}

describe('runNight', () => {
  it('merges the partials of the day, stays silent on a clean day and alerts once on a drifted one', async () => {
    await withTempDir(async (dir) => {
      const { profiles, notifier, deps } = await setUp(dir);
      // Prepare: day 1 clean in two partials, day 2 blurred
      const clean = featureStream(120, 2);
      await profiles.savePartial(
        DATASET,
        '2026-11-01',
        'batch-a',
        profileOf(clean.slice(0, 70), '2026-11-01'),
      );
      await profiles.savePartial(
        DATASET,
        '2026-11-01',
        'batch-b',
        profileOf(clean.slice(70), '2026-11-01', 70),
      );
      await profiles.savePartial(
        DATASET,
        '2026-11-02',
        'batch-a',
        profileOf(blurred(featureStream(100, 3)), '2026-11-02'),
      );

      // Act
      const day1 = await runNight(DATASET, '2026-11-01', deps);
      const day2 = await runNight(DATASET, '2026-11-02', deps);

      // Assess
      expect(day1.record).toMatchObject({
        images: 120,
        driftAlerted: false,
        digest: 'none',
        evaluatedAt: '2026-11-28T03:00:00.000Z',
      });
      expect(day2.record).toMatchObject({ images: 100, driftAlerted: true, digest: 'sent' });
      const fired = day2.record.results.filter((r) => r.fired);
      expect(new Set(fired.map((r) => r.feature))).toEqual(new Set(['sharpness']));
      expect(new Set(fired.map((r) => r.baseline))).toEqual(new Set(['reference', 'trailing']));
      expect(notifier.sent.map((d) => d.subject)).toEqual([
        '[Driftwatch] pets 2026-11-02: drift in 1 feature (sharpness)',
      ]);
      expect((await profiles.loadDayProfile(DATASET, '2026-11-01'))?.images).toBe(120);
    });
  });

  it('sends no second digest when the night is re-run with the same alerts, and an update when they change', async () => {
    await withTempDir(async (dir) => {
      const { profiles, notifier, deps } = await setUp(dir);
      const day = '2026-11-02';
      await profiles.savePartial(DATASET, day, 'a', profileOf(blurred(featureStream(100, 4)), day));
      await runNight(DATASET, day, deps);
      const rerun = await runNight(DATASET, day, deps);
      expect(rerun.record.digest).toBe('already-sent');
      expect(notifier.sent).toHaveLength(1);

      // A late batch of grey images changes the set of alerts: one update goes out.
      const grey = featureStream(100, 5).map((f) => ({
        ...f,
        categorical: { ...f.categorical, colorspace: 'b-w' },
      }));
      await profiles.savePartial(DATASET, day, 'b', profileOf(blurred(grey), day, 100));
      const late = await runNight(DATASET, day, deps);
      expect(late.record.digest).toBe('update-sent');
      expect(notifier.sent).toHaveLength(2);
      expect(notifier.sent[1]?.subject.startsWith('Update: ')).toBe(true);
      expect(late.record.images).toBe(200);
    });
  });

  it('leaves days that alerted out of the trailing baseline, so a persisting fault keeps alerting', async () => {
    await withTempDir(async (dir) => {
      const { profiles, deps } = await setUp(dir);
      const days = ['2026-11-01', '2026-11-02', '2026-11-03', '2026-11-04', '2026-11-05'];
      for (const [i, day] of days.entries()) {
        const features = featureStream(100, 10 + i);
        await profiles.savePartial(
          DATASET,
          day,
          'a',
          profileOf(i >= 2 ? blurred(features) : features, day),
        );
      }
      const outcomes = [];
      for (const day of days) outcomes.push(await runNight(DATASET, day, deps));
      expect(outcomes.map((o) => o.record.driftAlerted)).toEqual([false, false, true, true, true]);
      const lastTrailing = outcomes[4]?.record.results.filter(
        (r) => r.baseline === 'trailing' && r.fired,
      );
      expect(lastTrailing?.map((r) => r.feature)).toContain('sharpness');
    });
  });

  it('releases the digest claim when publishing fails, so the retry sends it', async () => {
    await withTempDir(async (dir) => {
      const { profiles, deps } = await setUp(dir);
      const day = '2026-11-02';
      await profiles.savePartial(DATASET, day, 'a', profileOf(blurred(featureStream(100, 6)), day));
      const failing: Notifier = { publish: () => Promise.reject(new Error('SNS is down')) };
      await expect(runNight(DATASET, day, { ...deps, notifier: failing })).rejects.toThrow(
        'SNS is down',
      );
      const sent: Digest[] = [];
      const retry = await runNight(DATASET, day, {
        ...deps,
        notifier: { publish: async (d) => void sent.push(d) },
      });
      expect(retry.record.digest).toBe('sent');
      expect(sent).toHaveLength(1);
    });
  });

  it('carries the latest model performance in the digest', async () => {
    await withTempDir(async (dir) => {
      const { profiles, deps } = await setUp(dir);
      const labels = new FileLabelStore(dir);
      const confusion = { cat: { cat: 40, dog: 10 } };
      await labels.savePerformance({
        version: 1,
        dataset: DATASET,
        day: '2026-11-01',
        confusion,
        metrics: performanceMetrics(confusion),
        images: 100,
        coverage: 0.5,
        updatedAt: '',
      });
      const day = '2026-11-02';
      await profiles.savePartial(DATASET, day, 'a', profileOf(blurred(featureStream(100, 7)), day));
      const outcome = await runNight(DATASET, day, { ...deps, labels });
      expect(outcome.digest?.text).toContain(
        'Latest model performance (2026-11-01): accuracy 80.0% (95% CI 67.0%–88.8%), macro F1',
      );
      expect(outcome.digest?.text).toContain('50 labelled, coverage 50.0%.');
    });
  });
});

describe('runNight with model outputs', () => {
  /** A day whose model calls half the images cat, half dog, at confidences spread over [0.5, 1]. */
  const withOutputs = (
    day: string,
    seed: number,
    output: (i: number) => { prediction: string; confidence: number },
  ) => {
    const p = emptyProfile({ dataset: DATASET, window: { start: day, end: day } });
    for (const [i, f] of featureStream(100, seed).entries())
      addImage(p, `images/${DATASET}/${day}/${i}.jpg`, f, { ...output(i), modelVersion: 'm1' });
    return p;
  };
  const clean = (i: number) => ({
    prediction: i % 2 ? 'cat' : 'dog',
    confidence: 0.5 + ((i * 37) % 50) / 100,
  });

  async function labelledDay(dir: string, day: string) {
    const { profiles, deps } = await setUp(dir);
    const labels = new FileLabelStore(dir);
    await profiles.savePartial(DATASET, day, 'a', withOutputs(day, 11, clean));
    await runNight(DATASET, day, { ...deps, labels });
    // 80 of 100 right: the most confident 80 (a well-ordered model).
    const pairs = Array.from({ length: 100 }, (_, i) => clean(i).confidence)
      .sort((a, b) => b - a)
      .map((confidence, rank) => ({ confidence, correct: rank < 80 }));
    const confusion = {
      cat: { cat: 40, dog: 10 },
      dog: { dog: 40, cat: 10 },
    };
    await labels.savePerformance({
      version: 1,
      dataset: DATASET,
      day,
      confusion,
      metrics: performanceMetrics(confusion),
      images: 100,
      calibration: calibrationHistogram(pairs),
      updatedAt: '',
    });
    return { profiles, deps: { ...deps, labels } };
  }

  it('estimates accuracy from confidences and alerts on an estimated drop before labels', async () => {
    await withTempDir(async (dir) => {
      const { profiles, deps } = await labelledDay(dir, '2026-11-01');
      // Day 2: the same model, the same kind of day — estimated near the calibration's 80%, no alert.
      await profiles.savePartial(DATASET, '2026-11-02', 'a', withOutputs('2026-11-02', 12, clean));
      const calm = await runNight(DATASET, '2026-11-02', deps);
      expect(calm.record.estimatedPerformance).toMatchObject({
        method: 'ATC',
        calibratedOn: ['2026-11-01'],
      });
      expect(calm.record.estimatedPerformance?.accuracy).toBeCloseTo(0.8, 1);
      expect(calm.record.results.filter((r) => r.fired)).toEqual([]);

      // Day 3: every image called "dog" at confidence 1.0, the demo's camera fault.
      await profiles.savePartial(
        DATASET,
        '2026-11-03',
        'a',
        withOutputs('2026-11-03', 13, () => ({ prediction: 'dog', confidence: 1 })),
      );
      const faulty = await runNight(DATASET, '2026-11-03', deps);
      expect(faulty.record.estimatedPerformance).toMatchObject({
        method: 'ATC, capped by class mix',
        accuracy: 0.5,
      });
      const fired = faulty.record.results.filter((r) => r.fired);
      expect(fired.map((r) => r.statistic)).toContain('estimated-accuracy-drop');
      expect(fired.map((r) => r.feature)).toContain('prediction');
      expect(faulty.digest?.text).toMatch(
        /estimated accuracy \(ATC, capped by class mix.*no labels yet\) fell to 50%/,
      );
      expect(faulty.digest?.text).toMatch(/Estimated accuracy today/);
    });
  });
});

describe('runNight with a fixed-range baseline', () => {
  const fixedConfig = parseMonitorConfig({
    baselines: { fixedRange: { from: '2026-01-01', to: '2026-01-10' } },
    monitors: [{ kind: 'drift', id: 'vs-january', features: ['sharpness'], baselines: ['fixed'] }],
  });
  const addDays = (day: string, n: number) =>
    new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

  it('compares with the range even when more than 90 newer days lie between', async () => {
    await withTempDir(async (dir) => {
      const { profiles, deps } = await setUp(dir);
      // January: the range. Then 109 days up to 04-29 (fewer images each, the same camera).
      for (let i = 0; i < 10; i++) {
        const day = addDays('2026-01-01', i);
        await profiles.saveDayProfile(DATASET, day, profileOf(featureStream(60, 100 + i), day));
      }
      const filler = featureStream(10, 300);
      for (let i = 0; i < 109; i++) {
        const day = addDays('2026-01-11', i);
        await profiles.saveDayProfile(DATASET, day, profileOf(filler, day));
      }
      const day = '2026-04-30';
      await profiles.savePartial(DATASET, day, 'a', profileOf(blurred(featureStream(100, 8)), day));

      const outcome = await runNight(DATASET, day, { ...deps, config: fixedConfig });

      expect(outcome.record.results).toEqual([
        expect.objectContaining({ feature: 'sharpness', baseline: 'fixed', fired: true }),
      ]);
      expect(outcome.record.warnings).toBeUndefined();
      expect(outcome.digest?.text).not.toContain('WARNING');
    });
  });

  it('says so in the night record and the digest when the range holds no profiled day', async () => {
    await withTempDir(async (dir) => {
      const { profiles, deps } = await setUp(dir);
      const config = parseMonitorConfig({
        baselines: { fixedRange: { from: '2026-01-01', to: '2026-01-10' } },
        monitors: [
          { kind: 'drift', id: 'vs-january', features: ['sharpness'], baselines: ['fixed'] },
          { kind: 'drift', id: 'vs-reference', features: ['sharpness'], baselines: ['reference'] },
        ],
      });
      const day = '2026-04-30';
      await profiles.savePartial(DATASET, day, 'a', profileOf(blurred(featureStream(100, 9)), day));

      const outcome = await runNight(DATASET, day, { ...deps, config });

      const warning =
        'The fixed-range baseline 2026-01-01…2026-01-10 has no profiled day before 2026-04-30: drift against "fixed" was not evaluated.';
      expect(outcome.record.warnings).toEqual([warning]);
      expect(outcome.record.results.map((r) => r.baseline)).toEqual(['reference']);
      expect(outcome.digest?.text).toContain(`WARNING: ${warning}`);
    });
  });
});

describe('runNight with segments', () => {
  it('evaluates at most segments.max segments and folds the smallest, and one named "other", into "other"', async () => {
    await withTempDir(async (dir) => {
      const { profiles, deps } = await setUp(dir);
      const day = '2026-11-01';
      const sizes: Record<string, number> = { cam1: 30, cam2: 20, other: 25, cam3: 5, cam4: 4 };
      let offset = 0;
      for (const [segment, n] of Object.entries(sizes)) {
        const p = profileOf(featureStream(n, offset + 1), day, offset);
        await profiles.savePartial(segmentScope(DATASET, segment), day, 'local', {
          ...p,
          dataset: segmentScope(DATASET, segment),
        });
        offset += n;
      }
      const config = parseMonitorConfig({ segments: { max: 3 } });

      const night = await runNight(DATASET, day, { ...deps, config });

      // cam1 and cam2 are the largest after "other" joins the fold: other = 25 + 5 + 4
      expect(night.record.segments?.map((s) => [s.segment, s.images])).toEqual([
        ['cam1', 30],
        ['cam2', 20],
        ['other', 34],
      ]);
    });
  });
});
