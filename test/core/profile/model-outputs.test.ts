import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  addImage,
  type DatasetProfile,
  emptyProfile,
  mergeProfiles,
} from '../../../lambdas/core/profile/dataset-profile.ts';
import {
  dominantVersion,
  MAX_CLASS_CONFIDENCE_COLUMNS,
  MAX_MODEL_VERSIONS,
  type ModelOutput,
  normalizeConfidence,
  OTHER_MODEL_VERSIONS,
  summarizeModelOutputs,
} from '../../../lambdas/core/profile/model-outputs.ts';
import { decodeProfile, encodeProfile } from '../../../lambdas/core/profile/profile-codec.ts';
import { summarize } from '../../../lambdas/core/profile/summary.ts';
import { SeededRandom } from '../../../lambdas/core/sketches/random.ts';
import { featureStream } from '../../helpers/features.ts';

const FIXTURES = new URL('../../fixtures/profiles/', import.meta.url);

/** A cats-vs-dogs day: predictions with confidences, one image in ten without a prediction. */
function outputsOf(n: number, seed: number, version = 'v1'): (ModelOutput | undefined)[] {
  const random = new SeededRandom(seed);
  return Array.from({ length: n }, () => {
    if (random.next() < 0.1) return undefined;
    const prediction = random.next() < 0.6 ? 'cat' : 'dog';
    return { prediction, confidence: 0.5 + random.next() / 2, modelVersion: version };
  });
}

function profileOf(outputs: readonly (ModelOutput | undefined)[], offset = 0): DatasetProfile {
  const profile = emptyProfile({
    dataset: 'pets',
    window: { start: '2026-11-28', end: '2026-11-28' },
  });
  const features = featureStream(outputs.length, 7 + offset);
  outputs.forEach((o, i) => {
    addImage(profile, `img-${offset + i}.jpg`, features[i] as never, o);
  });
  return profile;
}

describe('model outputs in the profile', () => {
  it('counts predicted classes, images without a prediction and model versions', () => {
    const outputs = outputsOf(500, 1);
    const summary = summarizeModelOutputs(profileOf(outputs).outputs);
    const predicted = outputs.filter((o) => o !== undefined);
    expect(summary.predictions).toBe(predicted.length);
    expect(summary.withoutPrediction).toBe(500 - predicted.length);
    expect(summary.classes.cat).toBe(predicted.filter((o) => o.prediction === 'cat').length);
    expect(summary.versions).toEqual({ v1: predicted.length });
    const mean = predicted.reduce((s, o) => s + (o.confidence as number), 0) / predicted.length;
    expect(summary.confidence?.mean).toBeCloseTo(mean, 9);
  });

  it('keeps a confidence sketch per predicted class', () => {
    const outputs = outputsOf(300, 2);
    const version = profileOf(outputs).outputs.byVersion.get('v1');
    const dogs = outputs.filter((o) => o?.prediction === 'dog');
    expect(version?.byClass.get('dog')?.sketch.n).toBe(dogs.length);
    expect(version?.byClass.get('cat')?.sketch.n).toBe(
      outputs.filter((o) => o?.prediction === 'cat').length,
    );
  });

  it('merging the profiles of two halves gives the outputs of the whole', () => {
    const outputs = [...outputsOf(200, 3, 'v1'), ...outputsOf(200, 4, 'v2')];
    const whole = profileOf(outputs);
    const merged = mergeProfiles(
      profileOf(outputs.slice(0, 200)),
      profileOf(outputs.slice(200), 200),
    );
    const a = summarizeModelOutputs(whole.outputs);
    const b = summarizeModelOutputs(merged.outputs);
    expect(b.predictions).toBe(a.predictions);
    expect(b.classes).toEqual(a.classes);
    expect(b.versions).toEqual(a.versions);
    expect(b.confidence?.mean).toBeCloseTo(a.confidence?.mean as number, 12);
  });

  it('folds model versions beyond the cap into one, keeping every prediction counted', () => {
    const outputs = ['a', 'b', 'c', 'd', 'e'].flatMap((v, i) => outputsOf(20 + 10 * i, i, v));
    const profile = profileOf(outputs);
    expect(profile.outputs.byVersion.size).toBe(MAX_MODEL_VERSIONS);
    expect(profile.outputs.byVersion.has(OTHER_MODEL_VERSIONS)).toBe(true);
    expect(summarizeModelOutputs(profile.outputs).predictions).toBe(
      outputs.filter((o) => o !== undefined).length,
    );
    expect(dominantVersion(profile.outputs)).toBe(OTHER_MODEL_VERSIONS);
  });

  it('caps the per-class confidence sketches, still counting every class', () => {
    const outputs = Array.from({ length: 40 }, (_, i) => ({
      prediction: `class-${i % 20}`,
      confidence: 0.9,
    }));
    const profile = profileOf(outputs);
    const version = profile.outputs.byVersion.get('');
    expect(version?.byClass.size).toBe(MAX_CLASS_CONFIDENCE_COLUMNS);
    expect(version?.classes.counts.size).toBe(20);
    expect(version?.confidence.sketch.n).toBe(40);
  });

  it('reads percentages as fractions and drops confidences outside [0, 100]', () => {
    expect(normalizeConfidence(0.83)).toBe(0.83);
    expect(normalizeConfidence(83)).toBeCloseTo(0.83, 12);
    expect(normalizeConfidence(-0.1)).toBeUndefined();
    expect(normalizeConfidence(Number.NaN)).toBeUndefined();
    expect(normalizeConfidence(250)).toBeUndefined();
  });
});

describe('profile codec v2 with model outputs', () => {
  it('round-trips the outputs byte for byte', () => {
    const outputs = [...outputsOf(300, 5, 'v1'), ...outputsOf(100, 6, 'v2')];
    const profile = profileOf(outputs);
    const bytes = encodeProfile(profile);
    const decoded = decodeProfile(bytes);
    expect(encodeProfile(decoded)).toEqual(bytes);
    expect(summarize(decoded)).toEqual(summarize(profile));
    const count = (v: string) => outputs.filter((o) => o?.modelVersion === v).length;
    expect(summarize(decoded).modelOutputs?.versions).toEqual({ v1: count('v1'), v2: count('v2') });
  });

  it('still decodes the version 2 golden file to the recorded summary', () => {
    const bytes = readFileSync(new URL('v2-small.dwp', FIXTURES));
    const expected = JSON.parse(readFileSync(new URL('v2-small.summary.json', FIXTURES), 'utf8'));
    expect(JSON.parse(JSON.stringify(summarize(decodeProfile(bytes))))).toEqual(expected);
  });

  it('decodes a version 1 profile with no model outputs recorded', () => {
    const decoded = decodeProfile(readFileSync(new URL('v1-small.dwp', FIXTURES)));
    expect(decoded.outputs.byVersion.size).toBe(0);
    expect(summarize(decoded).modelOutputs).toBeUndefined();
  });
});
