import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoPartialCommitter } from '../../lambdas/adapters/aws/dynamo-partial-committer.ts';
import { DynamoPredictionIndex } from '../../lambdas/adapters/aws/dynamo-prediction-index.ts';
import { DynamoProfileStore } from '../../lambdas/adapters/aws/dynamo-profile-store.ts';
import { compactPartials, readRollup } from '../../lambdas/adapters/aws/partial-rollup.ts';
import { keys } from '../../lambdas/adapters/aws/table-schema.ts';
import {
  addImage,
  type DatasetProfile,
  emptyProfile,
  mergeAll,
  mergeStream,
} from '../../lambdas/core/profile/dataset-profile.ts';
import { encodeProfile } from '../../lambdas/core/profile/profile-codec.ts';
import { segmentScope } from '../../lambdas/core/profile/segments.ts';
import type { ImageRecord } from '../../lambdas/ports/partial-committer.ts';
import { claimAndCommit } from '../helpers/claim-and-commit.ts';
import { featureStream } from '../helpers/features.ts';
import {
  type AwsClients,
  clientsFor,
  createPipelineResources,
  type PipelineResources,
} from './resources.ts';

const DAY = '2026-11-21';
const MINUTE = 60_000;
let c: AwsClients;
let r: PipelineResources;

beforeAll(async () => {
  c = clientsFor(inject('awsEndpoint'));
  r = await createPipelineResources(c, `ru${Date.now()}`);
});

/** A partial of `n` images and a hex content key, as profile-images makes them. */
function partial(dataset: string, n: number, seed: number) {
  const profile = emptyProfile({ dataset, window: { start: DAY, end: DAY } });
  for (const [i, f] of featureStream(n, seed).entries())
    addImage(profile, `images/${dataset}/${seed}_${i}.jpg`, f);
  return { profile, partialKey: seed.toString(16).padStart(32, '0') };
}

async function collect(profiles: AsyncIterable<DatasetProfile>): Promise<DatasetProfile[]> {
  const out: DatasetProfile[] = [];
  for await (const p of profiles) out.push(p);
  return out;
}

describe('rolling up a day of partials on moto_server', () => {
  it('lets the night read one rollup and the recent partials, counting every image once', async () => {
    // Prepare: a partial written before rollups existed (a bare hash key), then 30 commits a
    // minute apart, each of which may roll up what is older than 5 minutes.
    const dataset = 'rolled';
    let clock = Date.parse(`${DAY}T10:00:00Z`);
    const committer = new DynamoPartialCommitter(c.db, r.table, {
      now: () => new Date(clock),
      compaction: { every: 1, settleSeconds: 300 },
      onCompactionError: (error) => {
        throw error;
      },
    });
    const legacy = partial(dataset, 7, 999);
    await c.db.send(
      new PutCommand({
        TableName: r.table,
        Item: {
          pk: keys.partials(dataset, DAY),
          sk: legacy.partialKey,
          profile: encodeProfile(legacy.profile),
          images: 7,
        },
      }),
    );
    const all = [legacy.profile];
    for (let i = 1; i <= 30; i++) {
      const p = partial(dataset, 3 + (i % 4), i);
      all.push(p.profile);
      const result = await claimAndCommit(committer, { dataset, day: DAY, ...p, records: [] });
      expect(result.committed).toBe(true);
      clock += MINUTE;
    }
    const images = all.reduce((n, p) => n + p.images, 0);

    // Assess: the rollup holds everything older than 5 minutes before the last commit; the night
    // merges it and the 5 newer partials to the same counts as merging all 31 partials.
    const rollup = await readRollup(c.db, r.table, dataset, DAY);
    expect(rollup?.watermark).toBe(`${DAY}T10:24:00.000Z`);
    const store = new DynamoProfileStore(c.db, r.table);
    const read = await collect(store.partials(dataset, DAY));
    // The rollup, the partial from before rollups (read beside it, never folded in), then the
    // partials of 10:24–10:29.
    expect(read).toHaveLength(1 + 1 + 6);
    expect(read[0]?.images).toBe(images - 7 - all.slice(25).reduce((n, p) => n + p.images, 0));
    const night = (await mergeStream(store.partials(dataset, DAY))) as DatasetProfile;
    const whole = mergeAll(all) as DatasetProfile;
    expect(night.images).toBe(images);
    for (const [name, column] of whole.numeric) {
      const rolled = night.numeric.get(name);
      expect(rolled?.moments.count).toBe(column.moments.count);
      expect(rolled?.moments.min).toBe(column.moments.min);
      expect(rolled?.moments.max).toBe(column.moments.max);
      expect(rolled?.sketch.n).toBe(column.sketch.n);
    }
    // Coverage for labels adds up partials, never the rollup on top of them.
    const predictions = new DynamoPredictionIndex(c.db, r.table, () => new Date(clock));
    expect(await predictions.imagesOnDay(dataset, DAY)).toBe(images);
  });

  it('keeps one of two racing compactions and counts nothing twice', async () => {
    const dataset = 'raced';
    let clock = Date.parse(`${DAY}T08:00:00Z`);
    const committer = new DynamoPartialCommitter(c.db, r.table, { now: () => new Date(clock) });
    let images = 0;
    for (let i = 1; i <= 12; i++) {
      const p = partial(dataset, 2 + (i % 3), 100 + i);
      images += p.profile.images;
      await claimAndCommit(committer, { dataset, day: DAY, ...p, records: [] });
      clock += MINUTE;
    }
    const settled = new Date(clock);
    const folded = await Promise.all([
      compactPartials(c.db, r.table, dataset, DAY, settled),
      compactPartials(c.db, r.table, dataset, DAY, settled),
    ]);
    expect(folded.sort((a, b) => a - b)).toEqual([0, 12]);
    const store = new DynamoProfileStore(c.db, r.table);
    expect(await collect(store.partials(dataset, DAY))).toHaveLength(1);
    expect((await mergeStream(store.partials(dataset, DAY)))?.images).toBe(images);
  });

  it('works a backlog off a few partials at a time without splitting one millisecond', async () => {
    // Prepare: 10 partials a minute apart, the 4th to 6th committed in the same millisecond.
    const dataset = 'backlog';
    let clock = Date.parse(`${DAY}T06:00:00Z`);
    const committer = new DynamoPartialCommitter(c.db, r.table, { now: () => new Date(clock) });
    let images = 0;
    for (let i = 1; i <= 10; i++) {
      const p = partial(dataset, 1 + (i % 3), 200 + i);
      images += p.profile.images;
      await claimAndCommit(committer, { dataset, day: DAY, ...p, records: [] });
      if (i < 4 || i >= 6) clock += MINUTE;
    }

    // Act: compactions of at most 4 partials until nothing is left to fold.
    const settled = new Date(clock + MINUTE);
    const steps: number[] = [];
    for (let n = await compactPartials(c.db, r.table, dataset, DAY, settled, 4); n > 0; ) {
      steps.push(n);
      n = await compactPartials(c.db, r.table, dataset, DAY, settled, 4);
    }

    // Assess: 4 and the other 2 of the shared millisecond, then the remaining 4; each folded once.
    expect(steps).toEqual([6, 4]);
    const store = new DynamoProfileStore(c.db, r.table);
    expect(await collect(store.partials(dataset, DAY))).toHaveLength(1);
    expect((await mergeStream(store.partials(dataset, DAY)))?.images).toBe(images);
  });

  it('rolls up each segment scope the commits touched; the night reads its merge, and each camera is listed once', async () => {
    // Prepare: 20 commits a minute apart, each with 2 images from cam1 and, every other one, 3 from
    // cam2; every commit may roll up what is older than 5 minutes. Then commit 1 is delivered again.
    const dataset = 'fleet';
    let clock = Date.parse(`${DAY}T12:00:00Z`);
    const committer = new DynamoPartialCommitter(c.db, r.table, {
      now: () => new Date(clock),
      compaction: { every: 1, settleSeconds: 300 },
      onCompactionError: (error) => {
        throw error;
      },
    });
    const commits = Array.from({ length: 20 }, (_, i) =>
      segmentedCommit(dataset, DAY, 300 + i, i % 2 === 0 ? { cam1: 2, cam2: 3 } : { cam1: 2 }),
    );
    for (const commit of commits) {
      expect((await claimAndCommit(committer, commit)).committed).toBe(true);
      clock += MINUTE;
    }
    const again = await claimAndCommit(committer, commits[0] as (typeof commits)[0]);

    // Assess: the redelivery is refused, each segment has its own rollup, and the night-side read
    // of a segment scope merges to exactly its images.
    expect(again).toMatchObject({ committed: false, claimed: [], busy: [] });
    expect([...again.alreadyCounted].sort()).toEqual(
      commits[0]?.records.map((rec) => rec.key).sort(),
    );
    const store = new DynamoProfileStore(c.db, r.table);
    // cam2's last commit was at 12:18, so its last rollup settled what was older than 12:13.
    for (const [segment, images, watermark] of [
      ['cam1', 40, '12:14'],
      ['cam2', 30, '12:13'],
    ] as const) {
      const scope = segmentScope(dataset, segment);
      const rollup = await readRollup(c.db, r.table, scope, DAY);
      expect(rollup?.profile.dataset).toBe(scope);
      expect(rollup?.watermark).toBe(`${DAY}T${watermark}:00.000Z`);
      const night = await mergeStream(store.partials(scope, DAY));
      expect([night?.dataset, night?.images]).toEqual([scope, images]);
    }
    expect((await mergeStream(store.partials(dataset, DAY)))?.images).toBe(70);
    expect((await store.segmentsOn(dataset, DAY)).sort()).toEqual(['cam1', 'cam2']);
    expect(await store.segmentsOn(dataset, '2026-11-22')).toEqual([]);
  });

  it('keeps the segments of reference images, and a reference per segment', async () => {
    const dataset = 'fleetref';
    const committer = new DynamoPartialCommitter(c.db, r.table);
    await claimAndCommit(
      committer,
      segmentedCommit(dataset, 'reference', 400, { cam1: 4, cam2: 1 }),
    );
    await claimAndCommit(committer, segmentedCommit(dataset, 'reference', 401, { cam1: 2 }));

    const store = new DynamoProfileStore(c.db, r.table);
    expect((await store.segmentsOn(dataset, 'reference')).sort()).toEqual(['cam1', 'cam2']);
    expect((await store.loadReference(segmentScope(dataset, 'cam1')))?.images).toBe(6);
    expect((await store.loadReference(segmentScope(dataset, 'cam2')))?.images).toBe(1);
    expect((await store.loadReference(dataset))?.images).toBe(7);
    // The reference day marks no dataset active.
    expect(await store.datasetsActiveOn('reference')).toEqual([]);
  });
});

/** A commit as profile-images makes it: the whole partial, one partial per segment, the records. */
function segmentedCommit(
  dataset: string,
  day: string,
  seed: number,
  imagesPerSegment: Record<string, number>,
) {
  const whole = emptyProfile({ dataset, window: { start: day, end: day } });
  const segments = new Map<string, DatasetProfile>();
  const records: ImageRecord[] = [];
  const total = Object.values(imagesPerSegment).reduce((a, b) => a + b, 0);
  const features = featureStream(total, seed);
  for (const [segment, n] of Object.entries(imagesPerSegment)) {
    const scope = segmentScope(dataset, segment);
    const profile = emptyProfile({ dataset: scope, window: { start: day, end: day } });
    for (let i = 0; i < n; i++) {
      const key = `images/${dataset}/${segment}/${seed}_${i}.jpg`;
      const f = features[records.length] as (typeof features)[0];
      addImage(profile, key, f);
      addImage(whole, key, f);
      records.push({ dataset, key, day, capturedAt: `${DAY}T12:00:00Z`, segment, expiresAt: 0 });
    }
    segments.set(segment, profile);
  }
  return {
    dataset,
    day,
    partialKey: seed.toString(16).padStart(32, '0'),
    profile: whole,
    segments,
    records,
  };
}
