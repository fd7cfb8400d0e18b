import { PutObjectCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoLabelStore } from '../../lambdas/adapters/aws/dynamo-label-store.ts';
import { DynamoProfileStore } from '../../lambdas/adapters/aws/dynamo-profile-store.ts';
import { encodeJpeg } from '../../lambdas/adapters/sharp-codec.ts';
import { summarize } from '../../lambdas/core/profile/summary.ts';
import { scene, withGaussianNoise } from '../helpers/images.ts';
import { fakeContext } from '../helpers/lambda.ts';
import { deleteAll, deliverNotifications, receiveAll } from './queues.ts';
import {
  type AwsClients,
  clientsFor,
  createPipelineResources,
  labelsHandlerOn,
  monitorsHandlerOn,
  type PipelineResources,
  profileHandlerOn,
} from './resources.ts';

const DATASET = 'outputs';
const IMAGES_PER_DAY = 40;
let c: AwsClients;
let r: PipelineResources;

/** Day 1: the model splits cat/dog at confidences 0.55–0.99; day 2: every image "dog" at 1.0. */
const outputOf = (day: number, i: number) =>
  day === 1
    ? {
        prediction: i % 2 ? 'cat' : 'dog',
        confidence: (0.55 + (0.44 * i) / IMAGES_PER_DAY).toFixed(3),
      }
    : { prediction: 'dog', confidence: '1.0' };
const keyOf = (day: number, i: number) => `images/${DATASET}/2026/11/0${day}/img_${i}.jpg`;

beforeAll(async () => {
  c = clientsFor(inject('awsEndpoint'));
  r = await createPipelineResources(c, `mo${Date.now()}`);
});

describe('model outputs on moto_server', () => {
  it('profiles predictions from object metadata and sends one estimated-accuracy alert before labels', async () => {
    // Prepare: two days of images from the same camera, with the model's outputs in metadata.
    for (const day of [1, 2])
      for (let i = 0; i < IMAGES_PER_DAY; i++) {
        const image = withGaussianNoise(scene(96, 72, day * 100 + i), 3, day * 100 + i);
        const { prediction, confidence } = outputOf(day, i);
        await c.s3.send(
          new PutObjectCommand({
            Bucket: r.bucket,
            Key: keyOf(day, i),
            Body: await encodeJpeg(image, 90),
            Metadata: {
              prediction,
              confidence,
              'model-version': 'resnet-7',
              'captured-at': `2026-11-0${day}T12:00:00Z`,
            },
          }),
        );
      }
    await deliverNotifications(c.sqs, r.imagesQueueUrl, 2 * IMAGES_PER_DAY, profileHandlerOn(c, r));

    // Day 1 is labelled: the 32 most confident predictions were right (80%).
    const rows = ['image,label'];
    for (let i = 0; i < IMAGES_PER_DAY; i++) {
      const { prediction } = outputOf(1, i);
      const right = i >= IMAGES_PER_DAY - 32;
      rows.push(`${keyOf(1, i)},${right ? prediction : prediction === 'cat' ? 'dog' : 'cat'}`);
    }
    await c.s3.send(
      new PutObjectCommand({
        Bucket: r.bucket,
        Key: `labels/${DATASET}/day1.csv`,
        Body: rows.join('\n'),
      }),
    );
    const now = () => new Date('2026-11-03T02:30:00Z');
    await deliverNotifications(c.sqs, r.labelsQueueUrl, 1, labelsHandlerOn(c, r, { now }));

    // Act: the nights of both days, with the label store wired as the stack wires it.
    const profiles = new DynamoProfileStore(c.db, r.table);
    const labels = new DynamoLabelStore(c.db, r.table, c.s3, r.bucket);
    const monitors = monitorsHandlerOn(c, r, now, { profiles, labels });
    const run = await monitors(
      { dataset: DATASET, from: '2026-11-01', to: '2026-11-02' },
      fakeContext,
    );

    // Assess: the predictions reached the day's profile; the labelled day carries the calibration.
    const day1 = await profiles.loadDayProfile(DATASET, '2026-11-01');
    expect(summarize(day1 as never).modelOutputs).toMatchObject({
      predictions: IMAGES_PER_DAY,
      withoutPrediction: 0,
      versions: { 'resnet-7': IMAGES_PER_DAY },
      classes: { cat: IMAGES_PER_DAY / 2, dog: IMAGES_PER_DAY / 2 },
    });
    expect(
      (await labels.loadPerformance(DATASET, '2026-11-01'))?.calibration?.cells.length,
    ).toBeGreaterThan(0);
    expect(run.nights.map((n) => [n.day, n.digest])).toEqual([
      ['2026-11-01', 'none'],
      ['2026-11-02', 'sent'],
    ]);
    const inbox = await receiveAll(c.sqs, r.inboxUrl, 1);
    expect(inbox).toHaveLength(1);
    const message = (JSON.parse(inbox[0]?.Body as string) as { Message: string }).Message;
    expect(message).toMatch(
      /estimated accuracy \(ATC, capped by class mix, from 40 confidences; no labels yet\) fell to 50%/,
    );
    expect(message).toContain("the model's confidence rose sharply");
    await deleteAll(c.sqs, r.inboxUrl, inbox);

    // A re-run of the night sends nothing more.
    const rerun = await monitors(
      { dataset: DATASET, from: '2026-11-02', to: '2026-11-02' },
      fakeContext,
    );
    expect(rerun.nights.map((n) => n.digest)).toEqual(['already-sent']);
    expect(await receiveAll(c.sqs, r.inboxUrl, 0, { waitSeconds: 2 })).toHaveLength(0);
  });
});
