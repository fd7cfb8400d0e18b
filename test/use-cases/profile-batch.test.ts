import { describe, expect, it } from 'vitest';
import { encodeJpeg, SharpDecoder } from '../../lambdas/adapters/sharp-codec.ts';
import {
  addImage,
  type DatasetProfile,
  emptyProfile,
} from '../../lambdas/core/profile/dataset-profile.ts';
import { encodeProfile } from '../../lambdas/core/profile/profile-codec.ts';
import { segmentScope } from '../../lambdas/core/profile/segments.ts';
import { summarize } from '../../lambdas/core/profile/summary.ts';
import type { ObjectStore } from '../../lambdas/ports/object-store.ts';
import type { PartialCommitter } from '../../lambdas/ports/partial-committer.ts';
import {
  commitPrepared,
  type PreparedImage,
  profileBatch,
  routeKey,
  segmentOf,
} from '../../lambdas/use-cases/profile-batch.ts';
import { featureStream } from '../helpers/features.ts';
import { scene } from '../helpers/images.ts';
import { memoryCommitter } from '../helpers/memory-committer.ts';

/** Images per segment over all committed partials (each segment profile's own count). */
function segmentImages(partials: ReturnType<typeof memoryCommitter>['partials']) {
  const out: Record<string, number> = {};
  for (const p of partials)
    for (const [segment, profile] of p.segments ?? []) {
      expect(profile.dataset).toBe(segmentScope(p.dataset, segment));
      out[segment] = (out[segment] ?? 0) + profile.images;
    }
  return out;
}

/** images/pets/<name>.jpg events, all at the same time. */
const imageEvents = (names: readonly string[]) =>
  names.map((n, i) => ({
    messageId: `m${i}`,
    bucket: 'b',
    key: `images/pets/${n}.jpg`,
    eventTime: '2026-11-01T10:00:00Z',
  }));

const depsFor = (
  files: Record<string, Uint8Array | { bytes: Uint8Array; metadata?: Record<string, string> }>,
  committer: PartialCommitter,
  segments?: { fromKey: boolean },
) => ({
  objects: objectsOf(
    Object.fromEntries(
      Object.entries(files).map(([key, file]) => [
        key,
        file instanceof Uint8Array ? { bytes: file } : file,
      ]),
    ),
  ),
  committer,
  decoder: new SharpDecoder(),
  timeZone: 'UTC',
  recordTtlDays: 90,
  segments,
});

const objectsOf = (
  files: Record<string, { bytes: Uint8Array; metadata?: Record<string, string> }>,
): ObjectStore => ({
  getObject: async (_bucket, key) =>
    files[key] ? { bytes: files[key].bytes, metadata: files[key].metadata ?? {} } : undefined,
});

describe('profileBatch', () => {
  it('routes keys to datasets and ignores everything else', () => {
    expect(routeKey('images/pets/2026/a.jpg')).toEqual({ kind: 'image', dataset: 'pets' });
    expect(routeKey('reference/pets/train.profile')).toEqual({
      kind: 'reference',
      dataset: 'pets',
    });
    expect(routeKey('labels/pets/x.csv')).toBeUndefined();
    expect(routeKey('images/pets/')).toBeUndefined();
  });

  it('routes keys under a key prefix and ignores the same layout outside it', () => {
    expect(routeKey('vision/dw/images/pets/a.jpg', 'vision/dw/')).toEqual({
      kind: 'image',
      dataset: 'pets',
    });
    expect(routeKey('vision/dw/reference/pets/t.jpg', 'vision/dw/')).toEqual({
      kind: 'reference',
      dataset: 'pets',
    });
    expect(routeKey('images/pets/a.jpg', 'vision/dw/')).toBeUndefined();
    expect(routeKey('vision/images/pets/a.jpg', 'vision/dw/')).toBeUndefined();
  });

  it('profiles images under a key prefix, keeping the full key and taking segments after it', async () => {
    const jpeg = await encodeJpeg(scene(64, 48, 5));
    const files = {
      'team/cv/images/pets/cam1/a.jpg': { bytes: jpeg },
      'images/pets/b.jpg': { bytes: jpeg },
    };
    const { committer, partials } = memoryCommitter();
    const result = await profileBatch(
      Object.keys(files).map((key) => ({
        messageId: key,
        bucket: 'b',
        key,
        eventTime: '2026-11-01T10:00:00Z',
      })),
      { ...depsFor(files, committer, { fromKey: true }), keyPrefix: 'team/cv/' },
    );
    expect(result).toMatchObject({ profiled: 1, ignored: 1, failedMessageIds: [] });
    const records = partials.flatMap((p) => p.records);
    expect(records.map((r) => [r.dataset, r.key, r.segment])).toEqual([
      ['pets', 'team/cv/images/pets/cam1/a.jpg', 'cam1'],
    ]);
  });

  it('refuses a dataset name too long for the keys derived from it, or with other characters', () => {
    expect(routeKey(`images/${'a'.repeat(100)}/x.jpg`)).toMatchObject({ kind: 'image' });
    expect(routeKey(`images/${'a'.repeat(101)}/x.jpg`)).toMatchObject({
      kind: 'refused',
      problem: expect.stringMatching(/101 characters, above the 100 limit/),
    });
    for (const name of ['pe ts', 'pe\u202Ets', '.hidden', '-x', 'chats-été', 'a%2Fb'])
      expect(routeKey(`reference/${name}/x.profile`)).toMatchObject({ kind: 'refused' });
    for (const name of ['pets', 'Cats_Dogs-2.v1', '7'])
      expect(routeKey(`images/${name}/x.jpg`)).toEqual({ kind: 'image', dataset: name });
  });

  it('merges a profile file uploaded under reference/ into the reference as it is', async () => {
    const uploaded = emptyProfile({ dataset: 'made-elsewhere', window: { start: 'x', end: 'x' } });
    for (const [i, f] of featureStream(250, 3).entries()) addImage(uploaded, `train/${i}.jpg`, f);
    const jpeg = await encodeJpeg(scene(64, 48, 1));
    const { committer, partials } = memoryCommitter();
    const result = await profileBatch(
      [
        {
          messageId: 'm1',
          bucket: 'b',
          key: 'reference/pets/train.profile',
          eventTime: '2026-11-01T00:00:00Z',
        },
        {
          messageId: 'm2',
          bucket: 'b',
          key: 'reference/pets/extra.jpg',
          eventTime: '2026-11-01T00:00:00Z',
        },
      ],
      depsFor(
        {
          'reference/pets/train.profile': encodeProfile(uploaded),
          'reference/pets/extra.jpg': jpeg,
        },
        committer,
      ),
    );
    expect(result).toMatchObject({ failedMessageIds: [], profiled: 251, unreadable: 0 });
    expect(partials).toHaveLength(1);
    expect(partials[0]).toMatchObject({ dataset: 'pets', day: 'reference' });
    expect(partials[0]?.profile.images).toBe(251);
    expect(partials[0]?.profile.dataset).toBe('pets');
  });

  it('profiles the prediction, confidence and model version carried in object metadata', async () => {
    const jpeg = await encodeJpeg(scene(64, 48, 4));
    const { committer, partials } = memoryCommitter();
    const meta = (prediction: string, confidence: string) => ({
      bytes: jpeg,
      metadata: { prediction, confidence, 'model-version': 'resnet-7' },
    });
    await profileBatch(
      imageEvents(['a', 'b', 'c', 'd']),
      depsFor(
        {
          'images/pets/a.jpg': meta('cat', '0.9'),
          'images/pets/b.jpg': meta('dog', '62'),
          'images/pets/c.jpg': meta('cat', 'high'),
          'images/pets/d.jpg': jpeg,
        },
        committer,
      ),
    );
    const outputs = summarize(partials[0]?.profile as DatasetProfile).modelOutputs;
    expect(outputs).toMatchObject({
      predictions: 3,
      withoutPrediction: 1,
      versions: { 'resnet-7': 3 },
      classes: { cat: 2, dog: 1 },
    });
    expect(outputs?.confidence?.mean).toBeCloseTo((0.9 + 0.62) / 2, 6);
    expect(partials[0]?.records.find((r) => r.key.endsWith('b.jpg'))?.confidence).toBeCloseTo(0.62);
  });

  it('takes a re-upload’s corrected prediction for an image already counted, without counting it again', async () => {
    const jpeg = await encodeJpeg(scene(64, 48, 2));
    const { committer, partials, updates } = memoryCommitter();
    const upload: { bytes: Uint8Array; metadata: Record<string, string> } = {
      bytes: jpeg,
      metadata: { prediction: 'cat', confidence: '0.9' },
    };
    const deps = depsFor({ 'images/pets/a.jpg': upload }, committer);
    const [event] = imageEvents(['a']) as [ReturnType<typeof imageEvents>[number]];
    await profileBatch([{ ...event, sequencer: '0A' }], deps);
    upload.metadata = { prediction: 'dog', 'model-version': 'v2' };
    const again = await profileBatch([{ ...event, sequencer: '0B' }], deps);
    expect(again).toMatchObject({ profiled: 0, alreadyCounted: 1, predictionsUpdated: 1 });
    expect(partials).toHaveLength(1);
    expect(updates).toEqual([
      expect.objectContaining({
        key: 'images/pets/a.jpg',
        prediction: 'dog',
        confidence: undefined,
        modelVersion: 'v2',
        sequencer: '0B',
      }),
    ]);
  });

  it('counts each image once when the same events arrive again', async () => {
    const jpeg = await encodeJpeg(scene(64, 48, 2));
    const { committer, partials } = memoryCommitter();
    const events = imageEvents(['a', 'b', 'c']);
    const deps = depsFor(
      { 'images/pets/a.jpg': jpeg, 'images/pets/b.jpg': jpeg, 'images/pets/c.jpg': jpeg },
      committer,
    );
    await profileBatch(events.slice(0, 2), deps);
    const again = await profileBatch(events, deps);
    expect(again).toMatchObject({ profiled: 1, alreadyCounted: 2 });
    expect(partials.reduce((n, p) => n + p.profile.images, 0)).toBe(3);
  });

  it('counts images once when an invocation dies after its commit (a timeout) and the batch comes back', async () => {
    const jpeg = await encodeJpeg(scene(64, 48, 4));
    const { committer, partials } = memoryCommitter();
    let dieAfterCommit = true;
    const timingOut: PartialCommitter = {
      ...committer,
      async commitPartial(p) {
        await committer.commitPartial(p);
        if (dieAfterCommit) {
          dieAfterCommit = false;
          throw new Error('Task timed out after 120.00 seconds');
        }
      },
    };
    const events = imageEvents(['a', 'b']);
    const deps = depsFor({ 'images/pets/a.jpg': jpeg, 'images/pets/b.jpg': jpeg }, timingOut);
    const first = await profileBatch(events, deps);
    expect([...first.failedMessageIds].sort()).toEqual(['m0', 'm1']);
    const retry = await profileBatch(events, deps);
    expect(retry).toMatchObject({ failedMessageIds: [], profiled: 0, alreadyCounted: 2 });
    expect(partials.reduce((n, p) => n + p.profile.images, 0)).toBe(2);
  });
});

describe('profileBatch claims', () => {
  const files = async (names: readonly string[]) => {
    const jpeg = await encodeJpeg(scene(64, 48, 3));
    return Object.fromEntries(names.map((n) => [`images/pets/${n}.jpg`, jpeg]));
  };
  const total = (partials: ReturnType<typeof memoryCommitter>['partials']) =>
    partials.reduce((n, p) => n + p.profile.images, 0);

  it('counts the same images once when they come back grouped into other batches', async () => {
    const { committer, partials } = memoryCommitter();
    const deps = depsFor(await files(['a', 'b', 'c', 'd']), committer);
    const [a, b, c, d] = imageEvents(['a', 'b', 'c', 'd']) as ReturnType<typeof imageEvents>;
    await profileBatch([a, b] as ReturnType<typeof imageEvents>, deps);
    const second = await profileBatch([b, c] as ReturnType<typeof imageEvents>, deps);
    const third = await profileBatch([d, c, a] as ReturnType<typeof imageEvents>, deps);
    expect(second).toMatchObject({ profiled: 1, alreadyCounted: 1, failedMessageIds: [] });
    expect(third).toMatchObject({ profiled: 1, alreadyCounted: 2, failedMessageIds: [] });
    expect(total(partials)).toBe(4);
  });

  it('retries, without counting, images another attempt has claimed and may still commit', async () => {
    let clock = 0;
    const { committer, partials } = memoryCommitter({ now: () => clock, leaseMs: 300_000 });
    const events = imageEvents(['a', 'b']);
    // An attempt claimed `a` and has not committed yet.
    await committer.claimImages(
      [
        {
          dataset: 'pets',
          key: 'images/pets/a.jpg',
          day: '2026-11-01',
          capturedAt: '',
          expiresAt: 0,
        },
      ],
      'p#other',
    );
    const deps = depsFor(await files(['a', 'b']), committer);
    const first = await profileBatch(events, deps);
    expect(first).toMatchObject({ failedMessageIds: ['m0'], profiled: 1, alreadyCounted: 0 });
    // That attempt died; after its lease the retry takes the claim over and counts `a` once.
    clock = 301_000;
    const retry = await profileBatch(events.slice(0, 1), deps);
    expect(retry).toMatchObject({ failedMessageIds: [], profiled: 1, alreadyCounted: 0 });
    const again = await profileBatch(events, deps);
    expect(again).toMatchObject({ failedMessageIds: [], profiled: 0, alreadyCounted: 2 });
    expect(total(partials)).toBe(2);
  });

  it('counts an image named twice in one batch once, and takes the later upload as a correction', async () => {
    const { committer, partials, updates } = memoryCommitter();
    const deps = depsFor(await files(['a']), committer);
    const [event] = imageEvents(['a']) as [ReturnType<typeof imageEvents>[number]];
    const result = await profileBatch(
      [
        { ...event, sequencer: '0A' },
        { ...event, messageId: 'm1', sequencer: '0B' },
      ],
      deps,
    );
    expect(result).toMatchObject({ failedMessageIds: [], profiled: 1, alreadyCounted: 1 });
    expect(total(partials)).toBe(1);
    expect(updates.map((u) => u.sequencer)).toEqual(['0B']);
  });
});

describe('profileBatch with segments', () => {
  const event = (key: string, i = 0) => ({
    messageId: `m-${key}`,
    bucket: 'b',
    key,
    eventTime: `2026-11-01T10:00:0${i}Z`,
  });

  it('takes the segment from the `segment` metadata and profiles each segment beside the whole', async () => {
    const jpeg = await encodeJpeg(scene(64, 48, 6));
    const { committer, partials } = memoryCommitter();
    const files = {
      'images/pets/a.jpg': { bytes: jpeg, metadata: { segment: 'cam1' } },
      'images/pets/b.jpg': { bytes: jpeg, metadata: { segment: 'cam2' } },
      'images/pets/c.jpg': { bytes: jpeg, metadata: { segment: 'cam1' } },
      'images/pets/d.jpg': { bytes: jpeg },
      'reference/pets/r.jpg': { bytes: jpeg, metadata: { segment: 'cam1' } },
    };
    const result = await profileBatch(
      Object.keys(files).map((key) => event(key)),
      depsFor(files, committer),
    );

    expect(result).toMatchObject({ failedMessageIds: [], profiled: 5 });
    const day = partials.find((p) => p.day === '2026-11-01');
    expect(day?.profile.images).toBe(4);
    expect(segmentImages(day ? [day] : [])).toEqual({ cam1: 2, cam2: 1 });
    expect(Object.fromEntries(day?.records.map((r) => [r.key, r.segment]) ?? [])).toEqual({
      'images/pets/a.jpg': 'cam1',
      'images/pets/b.jpg': 'cam2',
      'images/pets/c.jpg': 'cam1',
      'images/pets/d.jpg': undefined,
    });
    // Reference images carry segments the same way: the segment's reference is their merge.
    const reference = partials.find((p) => p.day === 'reference');
    expect(segmentImages(reference ? [reference] : [])).toEqual({ cam1: 1 });
  });

  it('takes the key part after the dataset only when segments.fromKey is set, and metadata first', async () => {
    const jpeg = await encodeJpeg(scene(64, 48, 7));
    const files = {
      'images/pets/cam3/a.jpg': { bytes: jpeg },
      'images/pets/b.jpg': { bytes: jpeg },
      'images/pets/cam4/2026/c.jpg': { bytes: jpeg, metadata: { segment: 'door' } },
    };
    const events = Object.keys(files).map((key) => event(key));
    const segmentsOf = (p: ReturnType<typeof memoryCommitter>['partials']) =>
      Object.fromEntries(p.flatMap((c) => c.records).map((r) => [r.key, r.segment]));

    const off = memoryCommitter();
    await profileBatch(events, depsFor(files, off.committer));
    expect(segmentsOf(off.partials)).toEqual({
      'images/pets/cam3/a.jpg': undefined,
      'images/pets/b.jpg': undefined,
      'images/pets/cam4/2026/c.jpg': 'door',
    });

    const on = memoryCommitter();
    await profileBatch(events, depsFor(files, on.committer, { fromKey: true }));
    expect(segmentsOf(on.partials)).toEqual({
      'images/pets/cam3/a.jpg': 'cam3',
      'images/pets/b.jpg': undefined,
      'images/pets/cam4/2026/c.jpg': 'door',
    });
    expect(segmentImages(on.partials)).toEqual({ cam3: 1, door: 1 });
  });

  it('sanitises segment names and treats a blank one as none', () => {
    const key = 'images/pets/a.jpg';
    expect(segmentOf(key, { segment: '  Cam #7 (door) ' }, false)).toBe('Cam__7__door_');
    expect(segmentOf(key, { segment: '   ' }, false)).toBeUndefined();
    expect(segmentOf(key, { segment: '///' }, false)).toBeUndefined();
    expect(segmentOf(key, { segment: 'x'.repeat(100) }, false)).toBe('x'.repeat(64));
    expect(segmentOf(key, { segment: 'cäm 1' }, false)).toBe('c_m_1');
    // A blank value falls back to the key part when that is allowed.
    expect(segmentOf('images/pets/cam 9/a.jpg', { segment: ' ' }, true)).toBe('cam_9');
    expect(segmentOf('images/pets/.../a.jpg', {}, true)).toBeUndefined();
    expect(segmentOf('reference/pets/cam1/r.jpg', {}, true)).toBe('cam1');
  });

  it('counts a redelivered image once in its segment too', async () => {
    const jpeg = await encodeJpeg(scene(64, 48, 8));
    const { committer, partials } = memoryCommitter();
    const files = {
      'images/pets/a.jpg': { bytes: jpeg, metadata: { segment: 'cam1' } },
      'images/pets/b.jpg': { bytes: jpeg, metadata: { segment: 'cam1' } },
      'images/pets/c.jpg': { bytes: jpeg, metadata: { segment: 'cam1' } },
      'images/pets/d.jpg': { bytes: jpeg, metadata: { segment: 'cam2' } },
    };
    const events = Object.keys(files).map((key) => event(key));
    const deps = depsFor(files, committer);
    await profileBatch(events.slice(0, 2), deps);
    const again = await profileBatch(events, deps);

    expect(again).toMatchObject({ profiled: 2, alreadyCounted: 2 });
    expect(partials.reduce((n, p) => n + p.profile.images, 0)).toBe(4);
    expect(segmentImages(partials)).toEqual({ cam1: 3, cam2: 1 });
  });

  it('splits a dataset-day from many segments into commits of at most 100 items', async () => {
    // 300 images from 150 cameras, 2 each, plus 10 without a segment: a commit holds 49 cameras
    // (2 + 49 × 2 = 100 items; image records are claimed apart, outside the transaction).
    const features = featureStream(310, 9);
    const prepared: PreparedImage[] = features.map((f, i) => {
      const key = `images/pets/${String(i).padStart(3, '0')}.jpg`;
      const segment = i < 300 ? `cam${String(i % 150).padStart(3, '0')}` : undefined;
      return {
        event: { messageId: `m${i}`, bucket: 'b', key, eventTime: '2026-11-01T10:00:00Z' },
        dataset: 'pets',
        record: { dataset: 'pets', key, day: '2026-11-01', capturedAt: '', segment, expiresAt: 0 },
        outcome: { kind: 'features', features: f },
      };
    });
    const { committer, partials } = memoryCommitter();
    const result = await commitPrepared(prepared, { committer });

    expect(result).toMatchObject({ failedMessageIds: [], profiled: 310, alreadyCounted: 0 });
    const items = partials.map((p) =>
      committer.itemsPerCommit(p.records.length, p.segments?.size ?? 0),
    );
    expect(Math.max(...items)).toBeLessThanOrEqual(100);
    expect(partials).toHaveLength(4);
    expect(partials.reduce((n, p) => n + p.profile.images, 0)).toBe(310);
    const perSegment = segmentImages(partials);
    expect(Object.keys(perSegment)).toHaveLength(150);
    expect(new Set(Object.values(perSegment))).toEqual(new Set([2]));
  });
});
