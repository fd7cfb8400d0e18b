import { readFileSync } from 'node:fs';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  addImage,
  addUnreadable,
  type DatasetProfile,
  emptyProfile,
  mergeProfiles,
} from '../../../lambdas/core/profile/dataset-profile.ts';
import {
  decodeProfile,
  encodeProfile,
  MAX_PROFILE_BODY_BYTES,
  MAX_PROFILE_KEYS,
  ProfileFormatError,
} from '../../../lambdas/core/profile/profile-codec.ts';
import { summarize } from '../../../lambdas/core/profile/summary.ts';
import { KllSketch } from '../../../lambdas/core/sketches/kll-sketch.ts';
import { SeededRandom } from '../../../lambdas/core/sketches/random.ts';
import { ByteWriter } from '../../../lambdas/core/util/bytes.ts';
import { featureStream } from '../../helpers/features.ts';

const FIXTURES = new URL('../../fixtures/profiles/', import.meta.url);

/** Size budgets (bytes) from the foundation issue. */
const MAX_DAY_PROFILE_BYTES = 64 * 1024;
const MAX_BATCH_PROFILE_BYTES = 20 * 1024;

function batchProfile(n: number, seed: number, offset = 0): DatasetProfile {
  const p = emptyProfile({
    dataset: 'cats-dogs',
    window: { start: '2026-11-28', end: '2026-11-28' },
  });
  for (const [i, f] of featureStream(n, seed).entries()) {
    addImage(
      p,
      `images/cats-dogs/2026/11/28/camera-01/img_${String(offset + i).padStart(7, '0')}.jpg`,
      f,
    );
  }
  return p;
}

/**
 * A profile of about `target` images, grown by doubling: each step merges the profile with a copy
 * whose retained sketch items are perturbed, so the sketches have the level structure and distinct
 * values of a real profile of that size without profiling 10^7 feature vectors.
 */
function grownProfile(target: number): DatasetProfile {
  let profile = batchProfile(10_000, 1);
  const random = new SeededRandom(2);
  while (profile.images < target) {
    const copy = decodeProfile(encodeProfile(profile));
    for (const column of copy.numeric.values()) {
      const state = column.sketch.toState();
      const levels = state.levels.map((level) =>
        level.map((x) => x * (1 + (random.next() - 0.5) * 1e-3)),
      );
      Object.assign(column, { sketch: KllSketch.fromState({ ...state, levels }) });
    }
    profile = mergeProfiles(profile, copy);
  }
  return profile;
}

describe('profile codec', () => {
  it('round-trips a profile: re-encoding the decoded profile gives the same bytes', () => {
    const p = batchProfile(500, 3);
    addUnreadable(p, 'corrupt', 2);
    const bytes = encodeProfile(p);
    const decoded = decodeProfile(bytes);
    expect(encodeProfile(decoded)).toEqual(bytes);
    expect(summarize(decoded)).toEqual(summarize(p));
  });

  it('encodes identical profiles to identical bytes (same seed, same input order)', () => {
    expect(encodeProfile(batchProfile(300, 4))).toEqual(encodeProfile(batchProfile(300, 4)));
  });

  it('fits a batch of 100 images in 20 KB and a day of 10^6 or 10^7 images in 64 KB', () => {
    const batch = encodeProfile(batchProfile(100, 5)).length;
    const million = grownProfile(1_000_000);
    const tenMillion = grownProfile(10_000_000);
    const day6 = encodeProfile(million).length;
    const day7 = encodeProfile(tenMillion).length;
    console.info(
      `profile sizes: 100 images ${batch} B; ${million.images.toLocaleString()} images ${day6} B; ${tenMillion.images.toLocaleString()} images ${day7} B`,
    );
    expect(batch).toBeLessThanOrEqual(MAX_BATCH_PROFILE_BYTES);
    expect(day6).toBeLessThanOrEqual(MAX_DAY_PROFILE_BYTES);
    expect(day7).toBeLessThanOrEqual(MAX_DAY_PROFILE_BYTES);
  });

  it('still decodes the version 1 golden file to the recorded summary', () => {
    const bytes = readFileSync(new URL('v1-small.dwp', FIXTURES));
    const expected = JSON.parse(readFileSync(new URL('v1-small.summary.json', FIXTURES), 'utf8'));
    expect(JSON.parse(JSON.stringify(summarize(decodeProfile(bytes))))).toEqual(expected);
  });

  it('rejects bytes that are not a profile, a newer version and a truncated body', () => {
    const good = encodeProfile(batchProfile(10, 6));
    expect(() => decodeProfile(new TextEncoder().encode('hello'))).toThrow(
      /not a Driftwatch profile/,
    );
    const newer = Uint8Array.from(good);
    newer[4] = 9;
    expect(() => decodeProfile(newer)).toThrow(/newer than this Driftwatch/);
    expect(() => decodeProfile(good.subarray(0, good.length - 20))).toThrow(ProfileFormatError);
  });

  it('refuses a deflate bomb whose body inflates past the limit, without inflating it all', () => {
    // A 64 MiB body of zeros deflates to ~64 KB; the decoder must stop at MAX_PROFILE_BODY_BYTES.
    const bomb = withHeader(
      deflateRawSync(new Uint8Array(2 * MAX_PROFILE_BODY_BYTES), { level: 9 }),
    );
    expect(bomb.length).toBeLessThan(100_000);
    expect(() => decodeProfile(bomb)).toThrow(
      `inflates to more than ${MAX_PROFILE_BODY_BYTES / 1024 / 1024} MiB`,
    );
  });

  it('refuses a valid header followed by padding instead of decoding an empty profile', () => {
    const zeros = withHeader(deflateRawSync(new Uint8Array(1024 * 1024)));
    expect(() => decodeProfile(zeros)).toThrow(/bytes left over after the profile body/);
  });

  it('refuses bytes after the compressed body and a body that stops short', () => {
    const good = encodeProfile(batchProfile(10, 7));
    const trailing = new Uint8Array(good.length + 3);
    trailing.set(good);
    expect(() => decodeProfile(trailing)).toThrow(/3 bytes after the end of the compressed body/);
    const short = withHeader(deflateRawSync(inflateRawSync(good.subarray(5)).subarray(0, 100)));
    expect(() => decodeProfile(short)).toThrow(/unexpected end of data/);
    expect(() => decodeProfile(good.subarray(0, good.length - 20))).toThrow(
      /file ends before the body does/,
    );
  });

  it('refuses a categorical column holding more items than its capacity', () => {
    const body = new ByteWriter().u16(1).string('d').string('w').string('w').varint(0).u16(200);
    body.varint(0).varint(0); // no unreadable reasons, no extreme keys
    body.varint(0).varint(1); // no numeric columns, one categorical column
    body.string('format').varint(0).varint(2).varint(3).varint(0).varint(3);
    for (const item of ['a', 'b', 'c']) body.string(item).varint(1);
    body.varint(0); // empty float pool
    expect(() => decodeProfile(withHeader(deflateRawSync(body.finish())))).toThrow(
      /holds 3 items for a capacity of 2/,
    );
  });

  it('refuses a key table above the limit: a small file cannot build millions of strings', () => {
    const body = headerBody()
      .varint(0)
      .varint(MAX_PROFILE_KEYS + 1);
    for (let i = 0; i <= MAX_PROFILE_KEYS; i++) body.string('aaaa');
    body.varint(0).varint(0).varint(0);
    expect(() => decodeProfile(withHeader(deflateRawSync(body.finish())))).toThrow(
      `corrupt profile: ${MAX_PROFILE_KEYS + 1} extreme-image keys, above the limit of ${MAX_PROFILE_KEYS}`,
    );
  });

  it('refuses more extreme images per end than a profile keeps', () => {
    const body = headerBody().varint(0).varint(1).string('k').varint(1);
    numericHeader(body, 0).u8(4);
    for (let i = 0; i < 4; i++) body.f64(i).varint(0);
    body.u8(0).varint(0).varint(0);
    expect(() => decodeProfile(withHeader(deflateRawSync(body.finish())))).toThrow(
      'a numeric column keeps 4 extreme images at one end (at most 3)',
    );
  });

  it('refuses sketches whose level sizes do not add up to the float pool', () => {
    const body = headerBody().varint(0).varint(0).varint(1);
    numericHeader(body, 5).u8(0).u8(0);
    body.varint(0).varint(0); // no categorical columns, an empty float pool
    expect(() => decodeProfile(withHeader(deflateRawSync(body.finish())))).toThrow(
      'the sketches hold 5 items but the float pool 0',
    );
  });
});

/** A v1 body up to the unreadable reasons: feature set 1, dataset d, window w…w, 0 images, k 200. */
function headerBody(): ByteWriter {
  return new ByteWriter().u16(1).string('d').string('w').string('w').varint(0).u16(200);
}

/** An empty numeric column "x" whose sketch claims one level of `levelSize` items. */
function numericHeader(body: ByteWriter, levelSize: number): ByteWriter {
  return body.string('x').varint(0).varint(0).u16(200).varint(0).u32(0).u8(1).varint(levelSize);
}

/** A v1 profile file around a hand-made compressed body. */
function withHeader(compressed: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + compressed.length);
  out.set([0x44, 0x57, 0x50, 0x46, 1]);
  out.set(compressed, 5);
  return out;
}
