import { describe, expect, it } from 'vitest';
import type { Baselines } from '../../../lambdas/core/drift/baselines.ts';
import { evaluateMonitors } from '../../../lambdas/core/drift/evaluate-monitors.ts';
import {
  DEFAULT_MONITOR_CONFIG,
  parseMonitorConfig,
} from '../../../lambdas/core/drift/monitor-config.ts';
import type { ImageFeatures } from '../../../lambdas/core/features/catalogue.ts';
import {
  addImage,
  addUnreadable,
  type DatasetProfile,
  emptyProfile,
} from '../../../lambdas/core/profile/dataset-profile.ts';
import { featureStream } from '../../helpers/features.ts';

const profileOf = (features: readonly ImageFeatures[], name = 'day') => {
  const p = emptyProfile({ dataset: 'd', window: { start: name, end: name } });
  for (const [i, f] of features.entries()) addImage(p, `${name}/${i}`, f);
  return p;
};
const withFeature = (features: readonly ImageFeatures[], name: string, f: (v: number) => number) =>
  features.map((x) => ({
    ...x,
    numeric: {
      ...x.numeric,
      [name]: f(x.numeric[name as keyof ImageFeatures['numeric']] as number),
    },
  }));
const baselinesOf = (
  reference: DatasetProfile,
  trailingDays: DatasetProfile[] = [],
): Baselines => ({
  reference,
  trailingDays,
  trailing: undefined,
});

describe('evaluateMonitors with the shipped defaults', () => {
  const reference = profileOf(featureStream(400, 1), 'reference');

  it('stays silent on a clean day drawn from the reference distribution', () => {
    const results = evaluateMonitors(
      DEFAULT_MONITOR_CONFIG,
      profileOf(featureStream(100, 2)),
      baselinesOf(reference),
    );
    expect(results.filter((r) => r.fired)).toEqual([]);
    expect(results.filter((r) => r.kind === 'drift').length).toBeGreaterThan(30);
  });

  it('fires on a feature whose distribution moved, naming it in plain words', () => {
    // sharpness is feature index 21 (i % 3 === 0 → 100 + 20z): halve it
    const day = profileOf(withFeature(featureStream(100, 3), 'sharpness', (v) => v / 2));
    const fired = evaluateMonitors(DEFAULT_MONITOR_CONFIG, day, baselinesOf(reference)).filter(
      (r) => r.fired,
    );
    expect(fired.map((r) => r.feature)).toEqual(['sharpness']);
    expect(fired[0]).toMatchObject({
      statistic: 'ks',
      baseline: 'reference',
      direction: 'down',
      severity: 'high',
    });
    expect(fired[0]?.summary).toBe(
      'sharpness fell sharply against the reference: images are blurrier',
    );
  });

  it('fires on a categorical switch', () => {
    const day = profileOf(
      featureStream(100, 4).map((f) => ({
        ...f,
        categorical: { ...f.categorical, colorspace: 'b-w' },
      })),
    );
    const fired = evaluateMonitors(DEFAULT_MONITOR_CONFIG, day, baselinesOf(reference)).filter(
      (r) => r.fired,
    );
    expect(fired.map((r) => `${r.feature}:${r.statistic}`)).toEqual(['colorspace:linf']);
    expect(fired[0]?.summary).toMatch(
      /colorspace changed against the reference: b-w 100% \(was 0%\)/,
    );
  });

  it('raises data quality when too many files are unreadable, including a day of only unreadable files', () => {
    const day = profileOf([]);
    addUnreadable(day, 'corrupt', 3);
    const fired = evaluateMonitors(DEFAULT_MONITOR_CONFIG, day, baselinesOf(reference)).filter(
      (r) => r.fired,
    );
    expect(fired).toHaveLength(1);
    expect(fired[0]).toMatchObject({ monitor: 'unreadable-files', score: 1, severity: 'high' });
    expect(fired[0]?.summary).toBe('3 of 3 files could not be read (3 corrupt)');
  });

  it('raises volume when far fewer images arrive than on the trailing days', () => {
    const trailing = [1, 2, 3].map((s) => profileOf(featureStream(100, 10 + s)));
    const fired = evaluateMonitors(
      DEFAULT_MONITOR_CONFIG,
      profileOf(featureStream(10, 5)),
      baselinesOf(reference, trailing),
    ).filter((r) => r.fired && r.kind === 'volume');
    expect(fired[0]).toMatchObject({ score: 0.1, direction: 'down' });
  });
});

describe('evaluateMonitors with configured monitors', () => {
  const config = parseMonitorConfig({
    monitors: [
      {
        kind: 'fixed-range',
        id: 'exposure',
        feature: 'hue.mean',
        metric: 'mean',
        min: 90,
        max: 110,
      },
      { kind: 'stddev-band', id: 'band', feature: 'hue.mean', metric: 'mean', sigmas: 3 },
      {
        kind: 'drift',
        id: 'psi',
        statistic: 'psi',
        threshold: 0.25,
        features: ['hue.mean'],
        baselines: ['reference'],
      },
    ],
  });
  const reference = profileOf(featureStream(300, 6));
  const trailing = [1, 2, 3, 4].map((s) => profileOf(featureStream(100, 20 + s)));

  it('checks a summary metric against a fixed range and a trailing stddev band', () => {
    const day = profileOf(withFeature(featureStream(100, 7), 'hue.mean', (v) => v + 60));
    const results = evaluateMonitors(config, day, baselinesOf(reference, trailing));
    const byMonitor = Object.fromEntries(results.map((r) => [r.monitor, r]));
    expect(byMonitor.exposure).toMatchObject({ fired: true, direction: 'up', threshold: 110 });
    expect(byMonitor.band?.fired).toBe(true);
    expect(byMonitor.psi).toMatchObject({ fired: true, statistic: 'psi', threshold: 0.25 });
  });

  it('leaves a normal day inside the range and band', () => {
    const results = evaluateMonitors(
      config,
      profileOf(featureStream(100, 8)),
      baselinesOf(reference, trailing),
    );
    expect(results.filter((r) => r.fired)).toEqual([]);
  });
});

describe('evaluateMonitors: stddev-band', () => {
  const band = parseMonitorConfig({
    monitors: [{ kind: 'stddev-band', id: 'band', feature: 'hue.mean', metric: 'mean' }],
  });
  const dayAt = (value: number, name: string) =>
    profileOf(
      withFeature(featureStream(1, 3), 'hue.mean', () => value),
      name,
    );
  const trailing = [0, 1, 2].map((v) => dayAt(v, `t${v}`));

  it('reads 3σ as the 0.27% prediction band of 3 trailing days, not 3 sample deviations', () => {
    const [inside] = evaluateMonitors(
      band,
      dayAt(5, 'today'),
      baselinesOf(trailing[0] as DatasetProfile, trailing),
    );
    expect(inside).toMatchObject({ fired: false, score: 4 });
    expect(inside?.threshold).toBeCloseTo(22.18, 2);
    const [outside] = evaluateMonitors(
      band,
      dayAt(30, 'today'),
      baselinesOf(trailing[0] as DatasetProfile, trailing),
    );
    expect(outside).toMatchObject({ fired: true, direction: 'up' });
  });
});
