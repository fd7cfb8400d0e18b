import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoPartialCommitter } from '../../lambdas/adapters/aws/dynamo-partial-committer.ts';
import { DynamoPredictionIndex } from '../../lambdas/adapters/aws/dynamo-prediction-index.ts';
import { keys } from '../../lambdas/adapters/aws/table-schema.ts';
import { parseItemRef } from '../../lambdas/core/labels/item-ref.ts';
import { addImage, emptyProfile } from '../../lambdas/core/profile/dataset-profile.ts';
import type { ImageRecord } from '../../lambdas/ports/partial-committer.ts';
import { commitPrepared, type PreparedImage } from '../../lambdas/use-cases/profile-batch.ts';
import { featureStream } from '../helpers/features.ts';
import {
  type AwsClients,
  clientsFor,
  createPipelineResources,
  type PipelineResources,
} from './resources.ts';

const DAY = '2026-11-25';
const LEASE_SECONDS = 300;
let c: AwsClients;
let r: PipelineResources;

beforeAll(async () => {
  c = clientsFor(inject('awsEndpoint'));
  r = await createPipelineResources(c, `cl${Date.now()}`);
});

/** A committer on moto_server whose clock the test moves. */
function committerAt(clock: { now: number }) {
  return new DynamoPartialCommitter(c.db, r.table, {
    now: () => new Date(clock.now),
    claimLeaseSeconds: LEASE_SECONDS,
  });
}

/** Profiled images of `dataset` named images/<dataset>/<folder>/<name>, as profile-images prepares them. */
function prepared(dataset: string, names: readonly string[], extra: Partial<ImageRecord> = {}) {
  const features = featureStream(names.length, names.length);
  return names.map((name, i): PreparedImage => {
    const key = `images/${dataset}/${name}`;
    return {
      event: { messageId: `m-${name}`, bucket: r.bucket, key, eventTime: `${DAY}T10:00:00Z` },
      dataset,
      record: {
        dataset,
        key,
        day: DAY,
        capturedAt: `${DAY}T10:00:00Z`,
        prediction: 'cat',
        expiresAt: Math.floor(Date.now() / 1000) + 86_400,
        ...extra,
      },
      outcome: { kind: 'features', features: features[i] as (typeof features)[number] },
    };
  });
}

/** Images the day's partials count, as label coverage adds them up. */
const imagesOn = (dataset: string) =>
  new DynamoPredictionIndex(c.db, r.table, () => new Date()).imagesOnDay(dataset, DAY);

describe('claiming images on moto_server', () => {
  it('counts a redelivered batch once', async () => {
    const dataset = 'redelivered';
    const clock = { now: Date.parse(`${DAY}T10:00:00Z`) };
    const batch = prepared(dataset, ['a.jpg', 'b.jpg', 'c.jpg']);
    const first = await commitPrepared(batch, { committer: committerAt(clock) });
    clock.now += 60_000;
    const again = await commitPrepared(batch, { committer: committerAt(clock) });
    expect(first).toMatchObject({ failedMessageIds: [], profiled: 3, alreadyCounted: 0 });
    expect(again).toMatchObject({ failedMessageIds: [], profiled: 0, alreadyCounted: 3 });
    expect(await imagesOn(dataset)).toBe(3);
  });

  it('counts the same images once when they come back grouped into other batches', async () => {
    const dataset = 'regrouped';
    const clock = { now: Date.parse(`${DAY}T10:00:00Z`) };
    const [a, b, c1, d] = prepared(dataset, ['a.jpg', 'b.jpg', 'c.jpg', 'd.jpg']) as [
      PreparedImage,
      PreparedImage,
      PreparedImage,
      PreparedImage,
    ];
    const committer = committerAt(clock);
    await commitPrepared([a, b], { committer });
    const second = await commitPrepared([b, c1], { committer });
    const third = await commitPrepared([d, c1, a], { committer });
    expect(second).toMatchObject({ profiled: 1, alreadyCounted: 1, failedMessageIds: [] });
    expect(third).toMatchObject({ profiled: 1, alreadyCounted: 2, failedMessageIds: [] });
    expect(await imagesOn(dataset)).toBe(4);
  });

  it('takes over the claims of an attempt that died before committing, once their lease has run out', async () => {
    const dataset = 'crashed';
    const clock = { now: Date.parse(`${DAY}T10:00:00Z`) };
    const batch = prepared(dataset, ['a.jpg', 'b.jpg']);
    // An attempt claims both images, then dies before its commit.
    const dead = committerAt(clock);
    const claim = await dead.claimImages(
      batch.map((p) => p.record),
      dead.newPartialId('dead'),
    );
    expect([...claim.claimed].sort()).toEqual(batch.map((p) => p.record.key));

    // Within the lease the redelivery must wait: nothing counted, both retried.
    clock.now += 60_000;
    const early = await commitPrepared(batch, { committer: committerAt(clock) });
    expect(early).toMatchObject({ profiled: 0, alreadyCounted: 0 });
    expect([...early.failedMessageIds].sort()).toEqual(['m-a.jpg', 'm-b.jpg']);

    // After it, the redelivery takes both claims over and counts each image once.
    clock.now += LEASE_SECONDS * 1000;
    const late = await commitPrepared(batch, { committer: committerAt(clock) });
    expect(late).toMatchObject({ failedMessageIds: [], profiled: 2, alreadyCounted: 0 });
    clock.now += LEASE_SECONDS * 1000;
    const again = await commitPrepared(batch, { committer: committerAt(clock) });
    expect(again).toMatchObject({ failedMessageIds: [], profiled: 0, alreadyCounted: 2 });
    expect(await imagesOn(dataset)).toBe(2);
  });

  it('retries, without counting, an image another attempt holds, and counts it once when that attempt commits', async () => {
    const dataset = 'contended';
    const clock = { now: Date.parse(`${DAY}T10:00:00Z`) };
    const [a, b] = prepared(dataset, ['a.jpg', 'b.jpg']) as [PreparedImage, PreparedImage];
    const other = committerAt(clock);
    const otherId = other.newPartialId('other');
    await other.claimImages([a.record], otherId);

    clock.now += 5_000;
    const mine = await commitPrepared([a, b], { committer: committerAt(clock) });
    expect(mine).toMatchObject({ failedMessageIds: ['m-a.jpg'], profiled: 1, alreadyCounted: 0 });
    expect(await imagesOn(dataset)).toBe(1);

    // The other attempt commits a's partial; the retry of a finds it counted.
    await other.commitPartial({
      dataset,
      day: DAY,
      partialId: otherId,
      profile: profileOf(a),
    });
    clock.now += 10_000;
    const retry = await commitPrepared([a], { committer: committerAt(clock) });
    expect(retry).toMatchObject({ failedMessageIds: [], profiled: 0, alreadyCounted: 1 });
    expect(await imagesOn(dataset)).toBe(2);
  });

  it('finds records under their file name by key and by bare name, and calls a shared name ambiguous', async () => {
    const dataset = 'named';
    const clock = { now: Date.parse(`${DAY}T10:00:00Z`) };
    const batch = prepared(dataset, ['cam1/one.jpg', 'cam1/twin.jpg', 'cam2/twin.jpg']);
    await commitPrepared(batch, { committer: committerAt(clock) });
    const stored = await c.db.send(
      new GetCommand({
        TableName: r.table,
        Key: keys.image(dataset, `images/${dataset}/cam1/one.jpg`),
      }),
    );
    expect(stored.Item).toMatchObject({
      pk: `IMAGE#${dataset}#one.jpg`,
      sk: `images/${dataset}/cam1/one.jpg`,
    });
    expect(stored.Item).not.toHaveProperty('nameKey');

    const index = new DynamoPredictionIndex(c.db, r.table, () => new Date());
    const found = await index.lookup(
      dataset,
      ['one.jpg', 'twin.jpg', `images/${dataset}/cam2/twin.jpg`, 'nobody.jpg'].map(parseItemRef),
    );
    expect(found).toEqual([
      {
        status: 'matched',
        record: { key: `images/${dataset}/cam1/one.jpg`, day: DAY, prediction: 'cat' },
      },
      { status: 'ambiguous', candidates: 2 },
      {
        status: 'matched',
        record: { key: `images/${dataset}/cam2/twin.jpg`, day: DAY, prediction: 'cat' },
      },
      { status: 'unmatched' },
    ]);
  });

  it('never counts again an image recorded before claims, finds it by key and by name, and corrects it by sequencer', async () => {
    const dataset = 'legacy';
    const key = `images/${dataset}/old/a.jpg`;
    await c.db.send(
      new PutCommand({
        TableName: r.table,
        Item: {
          ...keys.legacyImage(dataset, key),
          nameKey: keys.nameKey(dataset, 'a.jpg'),
          dataset,
          key,
          day: '2026-11-20',
          capturedAt: '2026-11-20T10:00:00Z',
          prediction: 'cat',
          sequencer: '0000000000000000000000000000000B',
          expiresAt: Math.floor(Date.now() / 1000) + 86_400,
        },
      }),
    );
    const clock = { now: Date.parse(`${DAY}T10:00:00Z`) };
    const committer = committerAt(clock);
    const reupload = (prediction: string, sequencer: string) =>
      prepared(dataset, ['old/a.jpg', 'new/b.jpg'], { prediction, sequencer });

    // A re-upload from before the stored one: counted already, and its prediction refused.
    const older = await commitPrepared(reupload('dog', '0000000000000000000000000000000A'), {
      committer,
    });
    expect(older).toMatchObject({ profiled: 1, alreadyCounted: 1, predictionsUpdated: 0 });
    // A later one replaces it.
    const later = await commitPrepared(reupload('fox', '0000000000000000000000000000000C'), {
      committer,
    });
    expect(later).toMatchObject({ profiled: 0, alreadyCounted: 2, predictionsUpdated: 2 });
    expect(await imagesOn(dataset)).toBe(1);

    const index = new DynamoPredictionIndex(c.db, r.table, () => new Date());
    const record = { key, day: '2026-11-20', prediction: 'fox' };
    expect(await index.lookup(dataset, [parseItemRef(key), parseItemRef('a.jpg')])).toEqual([
      { status: 'matched', record },
      { status: 'matched', record },
    ]);
    // Nothing was written under the new layout for it.
    const moved = await c.db.send(
      new GetCommand({ TableName: r.table, Key: keys.image(dataset, key) }),
    );
    expect(moved.Item).toBeUndefined();
  });

  it('keeps a later upload’s prediction when taking over a dead claim for an earlier one', async () => {
    const dataset = 'ordered';
    const clock = { now: Date.parse(`${DAY}T10:00:00Z`) };
    const [later] = prepared(dataset, ['a.jpg'], {
      prediction: 'dog',
      sequencer: '0000000000000000000000000000000B',
    }) as [PreparedImage];
    const [earlier] = prepared(dataset, ['a.jpg'], {
      prediction: 'cat',
      sequencer: '0000000000000000000000000000000A',
    }) as [PreparedImage];
    const dead = committerAt(clock);
    await dead.claimImages([later.record], dead.newPartialId('dead'));
    clock.now += (LEASE_SECONDS + 1) * 1000;
    const result = await commitPrepared([earlier], { committer: committerAt(clock) });
    expect(result).toMatchObject({ failedMessageIds: [], profiled: 1 });
    const stored = await c.db.send(
      new GetCommand({ TableName: r.table, Key: keys.image(dataset, later.record.key) }),
    );
    expect(stored.Item).toMatchObject({ prediction: 'dog', sequencer: later.record.sequencer });
    expect(await imagesOn(dataset)).toBe(1);
  });
});

/** The one-image partial of `p` (as the other attempt would have built it). */
function profileOf(p: PreparedImage) {
  const profile = emptyProfile({ dataset: p.dataset, window: { start: DAY, end: DAY } });
  if (p.outcome.kind === 'features') addImage(profile, p.record.key, p.outcome.features, p.record);
  return profile;
}
