import { describe, expect, it } from 'vitest';
import { type Baselines, buildBaselines } from '../../../lambdas/core/drift/baselines.ts';
import { evaluateMonitors } from '../../../lambdas/core/drift/evaluate-monitors.ts';
import { evaluateNight } from '../../../lambdas/core/drift/evaluate-night.ts';
import { DEFAULT_MONITOR_CONFIG } from '../../../lambdas/core/drift/monitor-config.ts';
import type { SegmentDay } from '../../../lambdas/core/drift/segment-shifts.ts';
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

/** Sets a camera's frame features after the light is applied (what a test's cameras have in common). */
type Edit = (camera: number, numeric: Record<string, number | undefined>) => void;

function frame(
  c: number,
  light: number,
  random: SeededRandom,
  blur = 1,
  edit?: Edit,
): ImageFeatures {
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
  edit?.(c, numeric);
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
    edit?: Edit;
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
      addImage(
        p,
        `${name}/${id}/${f}.jpg`,
        frame(c, light * darken, random, options.blurAll, options.edit),
      );
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

describe('peer and fleet tests on what natural scenes do', () => {
  // Found on a fleet cut from natural photographs (eval/fleet.ts --scenes photos): each of these
  // named a healthy camera, or the whole fleet, on a clean day.
  // randomFeatures draws every feature on one of three scales; these tests need real pixel shares.
  const shares =
    (edit: Edit): Edit =>
    (c, n) => {
      n['dark.fraction'] = 0.01;
      n['overexposed.fraction'] = 0.02;
      edit(c, n);
    };
  const day = (name: string, seed: number, options: Parameters<typeof fleetDay>[2] = {}) =>
    fleetDay(name, seed, { ...options, edit: shares(options.edit ?? (() => {})) });
  const days = (edit: Edit, light?: (i: number) => number) => ({
    reference: day('reference', 1, { edit, light: light?.(0) }),
    trailing: [2, 3, 4].map((seed, i) => day(`day_${seed}`, seed, { edit, light: light?.(i + 1) })),
  });
  const named = (fired: ReturnType<typeof judge>, camera: string, feature: string) =>
    fired.some((r) => r.fired && r.segment === camera && r.feature === feature);

  it('does not name a camera for one isolated pixel per frame, but does for dead pixels', () => {
    const none: Edit = (_, n) => {
      n['isolated.fraction'] = 0;
    };
    const { reference, trailing } = days(none);
    const withShare = (share: number) =>
      judge(
        reference,
        trailing,
        day('today', 30, {
          edit: (c, n) => {
            n['isolated.fraction'] = c === 2 ? share : 0;
          },
        }),
      );
    expect(named(withShare(1 / 18_656), 'cam03', 'isolated.fraction')).toBe(false);
    expect(named(withShare(0.002), 'cam03', 'isolated.fraction')).toBe(true);
  });

  it("explains a camera's colour change by its pixels blowing out, and still judges its light", () => {
    const usual: Edit = (_, n) => {
      n['overexposed.fraction'] = 0.02;
    };
    const { reference, trailing } = days(usual);
    const today = (blownOut: number, light = 1) =>
      judge(
        reference,
        trailing,
        day('today', 31, {
          faulty: 3,
          darken: light,
          edit: (c, n) => {
            n['overexposed.fraction'] = c === 3 ? blownOut : 0.02;
            if (c === 3) n['saturation.mean'] = (n['saturation.mean'] as number) * 0.5;
          },
        }),
      );
    expect(named(today(0.02), 'cam04', 'saturation.mean')).toBe(true);
    expect(named(today(0.6), 'cam04', 'saturation.mean')).toBe(false);
    expect(named(today(0.6, 1.5), 'cam04', 'brightness.mean')).toBe(true);
  });

  it('ignores the hue of a grey camera, whose few coloured pixels are sensor noise', () => {
    const withChroma =
      (share: number, concentration: number): Edit =>
      (c, n) => {
        if (c !== 4) return;
        n['chromatic.fraction'] = share;
        n['hue.concentration'] = concentration;
      };
    for (const [share, expected] of [
      [0.0002, false],
      [0.5, true],
    ] as const) {
      const { reference, trailing } = days(withChroma(share, 0.3));
      const fired = judge(reference, trailing, day('today', 32, { edit: withChroma(share, 0.9) }));
      expect(named(fired, 'cam05', 'hue.concentration')).toBe(expected);
    }
  });

  it('names a camera that lost most of its sharpness even when its sharpness always wobbled', () => {
    // cam04 answers the weather differently from its peers by ±6% a day: its own past residuals
    // widen its spread so much that a five-fold loss is under the strict bound (z ≈ 6 < 7.8).
    const wobble =
      (factor: number): Edit =>
      (c, n) => {
        if (c === 3) n.sharpness = (n.sharpness as number) * factor;
      };
    const reference = day('reference', 1);
    const trailing = [1.06, 0.94, 1.06, 0.94].map((factor, i) =>
      day(`day_${i + 2}`, i + 2, { edit: wobble(factor) }),
    );
    const sharpnessNamed = (today: number) =>
      named(
        judge(reference, trailing, day('today', 34, { edit: wobble(today) })),
        'cam04',
        'sharpness',
      );
    expect(sharpnessNamed(0.2)).toBe(true);
    expect(sharpnessNamed(0.6)).toBe(false);
  });

  it('judges the fleet-wide move of noise only on light its history has met', () => {
    // Sensor noise is a floor light does not scale: a fleet's noise moves little with the light,
    // and a day far darker than any before moves it by an amount the history cannot calibrate.
    const noiseAt =
      (light: number): Edit =>
      (c, n) => {
        n.noise = (1 + c / 10) * (2 + 3 * light);
      };
    const lights = [1, 1.02, 0.99, 1.01];
    const history = {
      reference: day('reference', 1, { light: lights[0], edit: noiseAt(lights[0] as number) }),
      trailing: [2, 3, 4].map((seed, i) =>
        day(`day_${seed}`, seed, {
          light: lights[i + 1],
          edit: noiseAt(lights[i + 1] as number),
        }),
      ),
    };
    const fleetNoise = (light: number, noiseLight: number) =>
      judge(
        history.reference,
        history.trailing,
        day('today', 33, { light, edit: noiseAt(noiseLight) }),
      ).some((r) => r.fired && !r.segment && r.feature === 'noise');
    expect(fleetNoise(0.75, 0.75)).toBe(false);
    expect(fleetNoise(1, 0.4)).toBe(true);
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
