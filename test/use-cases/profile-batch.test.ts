import { describe, expect, it } from 'vitest';
import { encodeJpeg, SharpDecoder } from '../../lambdas/adapters/sharp-codec.ts';
import {
  addImage,
  type DatasetProfile,
  emptyProfile,
} from '../../lambdas/core/profile/dataset-profile.ts';
import { encodeProfile } from '../../lambdas/core/profile/profile-codec.ts';
import type { ObjectStore } from '../../lambdas/ports/object-store.ts';
import type { ImageRecord, PartialCommitter } from '../../lambdas/ports/partial-committer.ts';
import { profileBatch, routeKey } from '../../lambdas/use-cases/profile-batch.ts';
import { featureStream } from '../helpers/features.ts';
import { scene } from '../helpers/images.ts';

/** An in-memory committer with the same once-per-key rule as the DynamoDB one. */
function memoryCommitter() {
  const counted = new Set<string>();
  const partials: {
    dataset: string;
    day: string;
    profile: DatasetProfile;
    records: readonly ImageRecord[];
  }[] = [];
  const committer: PartialCommitter = {
    maxImagesPerCommit: 98,
    async commitPartial(p) {
      const already = p.records
        .filter((r) => counted.has(`${r.dataset}|${r.key}`))
        .map((r) => r.key);
      if (already.length) return { committed: false, alreadyCounted: already };
      for (const r of p.records) counted.add(`${r.dataset}|${r.key}`);
      partials.push(p);
      return { committed: true };
    },
  };
  return { committer, partials };
}

/** images/pets/<name>.jpg events, all at the same time. */
const imageEvents = (names: readonly string[]) =>
  names.map((n, i) => ({
    messageId: `m${i}`,
    bucket: 'b',
    key: `images/pets/${n}.jpg`,
    eventTime: '2026-11-01T10:00:00Z',
  }));

const depsFor = (files: Record<string, Uint8Array>, committer: PartialCommitter) => ({
  objects: objectsOf(
    Object.fromEntries(Object.entries(files).map(([key, bytes]) => [key, { bytes }])),
  ),
  committer,
  decoder: new SharpDecoder(),
  timeZone: 'UTC',
  recordTtlDays: 90,
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
      maxImagesPerCommit: committer.maxImagesPerCommit,
      async commitPartial(p) {
        const result = await committer.commitPartial(p);
        if (dieAfterCommit) {
          dieAfterCommit = false;
          throw new Error('Task timed out after 120.00 seconds');
        }
        return result;
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
