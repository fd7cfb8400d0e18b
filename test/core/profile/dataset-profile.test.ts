import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FEATURE_SET_VERSION,
  type ImageFeatures,
} from '../../../lambdas/core/features/catalogue.ts';
import {
  addImage,
  addUnreadable,
  type DatasetProfile,
  emptyProfile,
  mergeAll,
  mergeProfiles,
  mergeStream,
  ProfileMismatchError,
} from '../../../lambdas/core/profile/dataset-profile.ts';
import { encodeProfile } from '../../../lambdas/core/profile/profile-codec.ts';
import { KLL_RANK_ERROR, rankErrorOf } from '../../../lambdas/core/sketches/kll-sketch.ts';
import { featureStream } from '../../helpers/features.ts';

const WINDOW = { start: '2026-11-01', end: '2026-11-01' };
const RELATIVE = 1e-9;

function profileOf(
  features: readonly ImageFeatures[],
  offset = 0,
  window = WINDOW,
): DatasetProfile {
  const profile = emptyProfile({ dataset: 'cats-dogs', window });
  for (const [i, f] of features.entries()) addImage(profile, `img-${offset + i}.jpg`, f);
  return profile;
}

const close = (a: number, b: number) =>
  Math.abs(a - b) <= RELATIVE * Math.max(1, Math.abs(a), Math.abs(b));

/** Profiles agree: counts, min, max exactly; mean and M2 to 1e-9 relative; quantiles within the rank bound. */
function expectEquivalent(a: DatasetProfile, b: DatasetProfile): void {
  expect(a.images).toBe(b.images);
  expect(a.unreadable).toEqual(b.unreadable);
  for (const [name, x] of a.numeric) {
    const y = b.numeric.get(name);
    if (!y) throw new Error(`missing column ${name}`);
    expect(x.moments.count).toBe(y.moments.count);
    expect(x.missing).toBe(y.missing);
    expect(x.moments.min).toBe(y.moments.min);
    expect(x.moments.max).toBe(y.moments.max);
    expect(close(x.moments.mean, y.moments.mean)).toBe(true);
    expect(close(x.moments.m2, y.moments.m2)).toBe(true);
    expect(x.lowest).toEqual(y.lowest);
    expect(x.highest).toEqual(y.highest);
    if (x.moments.count > 0) {
      const bound = rankErrorOf(x.sketch) + rankErrorOf(y.sketch);
      for (const q of [0.05, 0.25, 0.5, 0.75, 0.95]) {
        expect(
          Math.abs(y.sketch.rank(x.sketch.quantile(q)) - x.sketch.rank(x.sketch.quantile(q))),
        ).toBeLessThanOrEqual(bound + 1 / x.moments.count);
      }
    }
  }
  for (const [name, x] of a.categorical) {
    expect(Object.fromEntries(x.items.counts)).toEqual(
      Object.fromEntries(b.categorical.get(name)?.items.counts ?? []),
    );
  }
}

const streams = fc
  .tuple(fc.integer({ min: 0, max: 120 }), fc.integer({ min: 0, max: 1e6 }))
  .map(([n, seed]) => ({ n, seed }));

describe('DatasetProfile', () => {
  it('merges profiles of two halves into the profile of the whole', () => {
    const all = featureStream(3000, 1);
    const whole = profileOf(all);
    const merged = mergeProfiles(profileOf(all.slice(0, 1700)), profileOf(all.slice(1700), 1700));
    expectEquivalent(merged, whole);
    expect(whole.numeric.get('hue.mean')?.sketch.isEstimationMode()).toBe(true);
  });

  it('treats the empty profile as the identity of merge', () => {
    fc.assert(
      fc.property(streams, ({ n, seed }) => {
        const p = profileOf(featureStream(n, seed));
        const empty = emptyProfile({ dataset: 'cats-dogs', window: WINDOW });
        expectEquivalent(mergeProfiles(empty, p), p);
        expectEquivalent(mergeProfiles(p, empty), p);
      }),
      { numRuns: 25 },
    );
  });

  it('merges commutatively and associatively within the stated tolerances', () => {
    fc.assert(
      fc.property(streams, streams, streams, (s1, s2, s3) => {
        const a = profileOf(featureStream(s1.n, s1.seed), 0);
        const b = profileOf(featureStream(s2.n, s2.seed), 1000);
        const c = profileOf(featureStream(s3.n, s3.seed), 2000);
        expectEquivalent(mergeProfiles(a, b), mergeProfiles(b, a));
        expectEquivalent(
          mergeProfiles(mergeProfiles(a, b), c),
          mergeProfiles(a, mergeProfiles(b, c)),
        );
      }),
      { numRuns: 25 },
    );
  });

  it('leaves its inputs untouched when merging', () => {
    const a = profileOf(featureStream(300, 2));
    const b = profileOf(featureStream(300, 3), 300);
    const before = a.numeric.get('noise')?.sketch.toState();
    mergeProfiles(a, b);
    expect(a.numeric.get('noise')?.sketch.toState()).toEqual(before);
    expect(a.images).toBe(300);
  });

  it('adds unreadable counts by reason and widens the window', () => {
    const a = profileOf([], 0, { start: '2026-11-01', end: '2026-11-01' });
    const b = profileOf([], 0, { start: '2026-11-03', end: '2026-11-03' });
    addUnreadable(a, 'corrupt');
    addUnreadable(b, 'corrupt', 2);
    addUnreadable(b, 'empty-file');
    const merged = mergeAll([a, b]);
    expect(merged?.unreadable).toEqual({ corrupt: 3, 'empty-file': 1 });
    expect(merged?.window).toEqual({ start: '2026-11-01', end: '2026-11-03' });
  });

  it('merges a stream of profiles to the same bytes as merging them all at once, and nothing to nothing', async () => {
    const parts = [0, 1, 2, 3].map((i) => profileOf(featureStream(50, 10 + i), i * 50));
    async function* arriving() {
      for (const p of parts) yield p;
    }
    const streamed = await mergeStream(arriving());
    expect(encodeProfile(streamed as DatasetProfile)).toEqual(
      encodeProfile(mergeAll(parts) as DatasetProfile),
    );
    expect(parts[0]?.images).toBe(50); // the first profile is not merged into
    expect(await mergeStream((async function* () {})())).toBeUndefined();
  });

  it('counts missing values and keeps the most extreme images at each end', () => {
    const p = profileOf(featureStream(200, 4));
    const quality = p.numeric.get('jpeg.quality');
    expect((quality?.missing ?? 0) + (quality?.moments.count ?? 0)).toBe(200);
    const hue = p.numeric.get('hue.mean');
    expect(hue?.highest).toHaveLength(3);
    expect(hue?.highest[0]?.value).toBe(hue?.moments.max);
    expect(hue?.lowest[0]?.value).toBe(hue?.moments.min);
  });

  it('refuses to merge different datasets or feature-set versions', () => {
    const a = emptyProfile({ dataset: 'a', window: WINDOW });
    const b = emptyProfile({ dataset: 'b', window: WINDOW });
    expect(() => mergeProfiles(a, b)).toThrow(ProfileMismatchError);
    expect(() => mergeProfiles(a, { ...a, featureSetVersion: 0 })).toThrow(
      new RegExp(`feature set v${FEATURE_SET_VERSION} with v0`),
    );
  });

  it('keeps quantiles within the rank bound when merging many partials in key order', () => {
    const streams = Array.from({ length: 40 }, (_, i) => featureStream(250, 100 + i));
    const merged = mergeAll(streams.map((features, i) => profileOf(features, i * 250)));
    const sketch = merged?.numeric.get('sharpness')?.sketch;
    const exact = Float64Array.from(
      streams.flat().map((f) => Math.fround(f.numeric.sharpness as number)),
    ).sort();
    expect(merged?.images).toBe(10_000);
    expect(sketch?.isEstimationMode()).toBe(true);
    for (let p = 1; p <= 99; p++) {
      const q = sketch?.quantile(p / 100) as number;
      const trueRank = exact.filter((x) => x <= q).length / exact.length;
      expect(Math.abs(trueRank - p / 100)).toBeLessThanOrEqual(KLL_RANK_ERROR);
    }
  });
});
