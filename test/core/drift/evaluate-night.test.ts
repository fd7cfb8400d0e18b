import { describe, expect, it } from 'vitest';
import { type Baselines, buildBaselines } from '../../../lambdas/core/drift/baselines.ts';
import { evaluateMonitors } from '../../../lambdas/core/drift/evaluate-monitors.ts';
import { evaluateNight } from '../../../lambdas/core/drift/evaluate-night.ts';
import { DEFAULT_MONITOR_CONFIG } from '../../../lambdas/core/drift/monitor-config.ts';
import type { SegmentDay } from '../../../lambdas/core/drift/peer-drift.ts';
import type { ImageFeatures } from '../../../lambdas/core/features/catalogue.ts';
import {
  addImage,
  type DatasetProfile,
  emptyProfile,
  mergeAll,
} from '../../../lambdas/core/profile/dataset-profile.ts';
import { SeededRandom } from '../../../lambdas/core/sketches/random.ts';
import { featureStream, randomFeatures } from '../../helpers/features.ts';
import { normal } from '../../helpers/images.ts';

/**
 * A fleet in feature space: each camera sees one fixed scene (its own feature vector), its frames
 * are near-duplicates (0.5% jitter), and the day's weather scales brightness-like features of every
 * camera together (sharpness with the square of the light).
 */
const CAMERAS = 12;
const FRAMES = 20;
const scenes = Array.from({ length: CAMERAS }, (_, c) => randomFeatures(new SeededRandom(100 + c)));
const camera = (c: number) => `cam${String(c + 1).padStart(2, '0')}`;

function frame(c: number, light: number, random: SeededRandom, blur = 1): ImageFeatures {
  const scene = scenes[c] as ImageFeatures;
  const numeric = { ...scene.numeric } as Record<string, number | undefined>;
  for (const [name, value] of Object.entries(numeric)) {
    if (value === undefined) continue;
    const jitter = 1 + 0.005 * normal(random);
    const scale =
      name === 'sharpness'
        ? light * light
        : name.includes('brightness') || name.startsWith('luma.')
          ? light
          : 1;
    numeric[name] = value * scale * jitter * (name === 'sharpness' ? blur : 1);
  }
  return { ...scene, numeric } as ImageFeatures;
}

interface FleetDay {
  readonly whole: DatasetProfile;
  readonly segments: Map<string, DatasetProfile>;
}

function fleetDay(
  name: string,
  seed: number,
  options: {
    faulty?: number;
    darken?: number;
    silent?: number;
    blurAll?: number;
    light?: number;
  } = {},
): FleetDay {
  const random = new SeededRandom(seed);
  const light = options.light ?? 0.85 + 0.3 * random.next();
  const segments = new Map<string, DatasetProfile>();
  for (let c = 0; c < CAMERAS; c++) {
    if (c === options.silent) continue;
    const id = camera(c);
    const p = emptyProfile({ dataset: `fleet/${id}`, window: { start: name, end: name } });
    const darken = c === options.faulty ? (options.darken ?? 1) : 1;
    for (let f = 0; f < FRAMES; f++)
      addImage(p, `${name}/${id}/${f}.jpg`, frame(c, light * darken, random, options.blurAll));
    segments.set(id, p);
  }
  const whole = mergeAll([...segments.values()].map((p) => ({ ...p, dataset: 'fleet' })));
  return { whole: whole as DatasetProfile, segments };
}

const history = (days: readonly FleetDay[], pick: (d: FleetDay) => DatasetProfile | undefined) =>
  days.flatMap((d, i) => {
    const profile = pick(d);
    return profile ? [{ day: `day_${i + 1}`, profile, driftAlerted: false }] : [];
  });

function judge(reference: FleetDay, trailing: readonly FleetDay[], today: FleetDay) {
  const baselinesOf = (pick: (d: FleetDay) => DatasetProfile | undefined): Baselines =>
    buildBaselines({
      day: 'day_99',
      history: history(trailing, pick),
      reference: pick(reference),
      trailingDays: 7,
      excludeAlertedDays: true,
    });
  const names = new Set([
    ...trailing.flatMap((d) => [...d.segments.keys()]),
    ...today.segments.keys(),
  ]);
  const segments: SegmentDay[] = [...names].sort().map((segment) => ({
    segment,
    profile:
      today.segments.get(segment) ??
      emptyProfile({ dataset: `fleet/${segment}`, window: { start: 'x', end: 'x' } }),
    baselines: baselinesOf((d) => d.segments.get(segment)),
  }));
  return evaluateNight(
    DEFAULT_MONITOR_CONFIG,
    { profile: today.whole, baselines: baselinesOf((d) => d.whole) },
    segments,
  );
}

describe('evaluateNight on a fleet of fixed cameras', () => {
  const reference = fleetDay('reference', 1);
  const trailing = [2, 3, 4, 5].map((seed) => fleetDay(`day_${seed}`, seed));

  it('stays silent on clean days whose weather differs from the baseline days', () => {
    for (let seed = 10; seed < 20; seed++) {
      const fired = judge(reference, trailing, fleetDay('today', seed)).filter((r) => r.fired);
      expect(fired.map((r) => r.summary)).toEqual([]);
    }
  });

  it('names the one camera whose brightness fell 30% against its peers', () => {
    const fired = judge(
      reference,
      trailing,
      fleetDay('today', 21, { faulty: 6, darken: 0.7 }),
    ).filter((r) => r.fired);
    expect(fired.length).toBeGreaterThan(0);
    expect(new Set(fired.map((r) => r.segment))).toEqual(new Set(['cam07']));
    expect(fired.some((r) => r.statistic === 'peer-z' && r.summary.startsWith('cam07: '))).toBe(
      true,
    );
  });

  it('reports a blur of every camera once, for the fleet, not camera by camera', () => {
    const fired = judge(reference, trailing, fleetDay('today', 23, { blurAll: 0.04 })).filter(
      (r) => r.fired,
    );
    expect(
      fired.some((r) => r.feature === 'sharpness' && r.statistic.startsWith('fleet-shift')),
    ).toBe(true);
    expect(fired.filter((r) => r.segment)).toEqual([]);
  });

  it('reports a camera that sent nothing today with its trailing median', () => {
    const fired = judge(reference, trailing, fleetDay('today', 22, { silent: 4 })).filter(
      (r) => r.fired,
    );
    expect(fired).toMatchObject([
      {
        kind: 'volume',
        segment: 'cam05',
        summary: 'cam05: sent no images today; trailing median 20',
      },
    ]);
  });
});

describe('evaluateNight without segments', () => {
  it('gives exactly the results of evaluateMonitors for independent images', () => {
    const profileOf = (seed: number, name: string) => {
      const p = emptyProfile({ dataset: 'd', window: { start: name, end: name } });
      for (const [i, f] of featureStream(100, seed).entries()) addImage(p, `${name}/${i}`, f);
      return p;
    };
    const baselines = buildBaselines({
      day: 'day_9',
      history: [1, 2, 3].map((s) => ({
        day: `day_${s}`,
        profile: profileOf(s, `day_${s}`),
        driftAlerted: false,
      })),
      reference: profileOf(7, 'reference'),
      trailingDays: 7,
      excludeAlertedDays: true,
    });
    const today = profileOf(8, 'day_9');
    expect(evaluateNight(DEFAULT_MONITOR_CONFIG, { profile: today, baselines })).toEqual(
      evaluateMonitors(DEFAULT_MONITOR_CONFIG, today, baselines),
    );
  });
});
