import { PutObjectCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoLabelStore } from '../../lambdas/adapters/aws/dynamo-label-store.ts';
import { DynamoProfileStore } from '../../lambdas/adapters/aws/dynamo-profile-store.ts';
import { encodeJpeg } from '../../lambdas/adapters/sharp-codec.ts';
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

const DATASET = 'validated';
const IMAGES = 40;
let c: AwsClients;
let r: PipelineResources;

/** Reference: cat/dog at confidences 0.55–0.99; day 1: every image "dog" at 1.0 (the demo's fault). */
const outputOf = (reference: boolean, i: number) =>
  reference
    ? { prediction: i % 2 ? 'cat' : 'dog', confidence: (0.55 + (0.44 * i) / IMAGES).toFixed(3) }
    : { prediction: 'dog', confidence: '1.0' };
const referenceKey = (i: number) => `reference/${DATASET}/val_${i}.jpg`;
const dayKey = (i: number) => `images/${DATASET}/2026/11/01/img_${i}.jpg`;

beforeAll(async () => {
  c = clientsFor(inject('awsEndpoint'));
  r = await createPipelineResources(c, `rl${Date.now()}`);
});

describe('a labelled reference on moto_server', () => {
  it('calibrates the first night’s estimate and is never judged as a day', async () => {
    // Prepare: a validation reference and one production day, the model's outputs in metadata.
    for (const reference of [true, false])
      for (let i = 0; i < IMAGES; i++) {
        const image = withGaussianNoise(scene(96, 72, 500 + i), 3, (reference ? 0 : 100) + i);
        await c.s3.send(
          new PutObjectCommand({
            Bucket: r.bucket,
            Key: reference ? referenceKey(i) : dayKey(i),
            Body: await encodeJpeg(image, 90),
            Metadata: {
              ...outputOf(reference, i),
              'model-version': 'resnet-7',
              'captured-at': '2026-11-01T12:00:00Z',
            },
          }),
        );
      }
    await deliverNotifications(c.sqs, r.imagesQueueUrl, 2 * IMAGES, profileHandlerOn(c, r));

    // The reference's labels: the 36 most confident predictions right (90%), named by S3 key.
    const rows = ['image,label'];
    for (let i = 0; i < IMAGES; i++) {
      const { prediction } = outputOf(true, i);
      const right = i >= IMAGES - 36;
      rows.push(`${referenceKey(i)},${right ? prediction : prediction === 'cat' ? 'dog' : 'cat'}`);
    }
    await c.s3.send(
      new PutObjectCommand({
        Bucket: r.bucket,
        Key: `labels/${DATASET}/validation-labels.csv`,
        Body: rows.join('\n'),
      }),
    );
    const now = () => new Date('2026-11-02T02:30:00Z');
    await deliverNotifications(c.sqs, r.labelsQueueUrl, 1, labelsHandlerOn(c, r, { now }));

    // The labels made the reference's calibration record and no performance day or message.
    const labels = new DynamoLabelStore(c.db, r.table, c.s3, r.bucket);
    const record = await labels.loadPerformance(DATASET, 'reference');
    expect(record?.metrics).toMatchObject({ labelled: IMAGES, accuracy: 0.9 });
    expect(record?.alerted).toBeUndefined();
    expect(await receiveAll(c.sqs, r.inboxUrl, 0, { waitSeconds: 2 })).toHaveLength(0);

    // Act: the first production night, before any of its labels.
    const profiles = new DynamoProfileStore(c.db, r.table);
    const monitors = monitorsHandlerOn(c, r, now, { profiles, labels });
    const run = await monitors(
      { dataset: DATASET, from: '2026-11-01', to: '2026-11-01' },
      fakeContext,
    );

    // Assess: one digest, whose estimated drop is calibrated on the reference alone.
    expect(run.nights.map((n) => [n.day, n.digest])).toEqual([['2026-11-01', 'sent']]);
    const inbox = await receiveAll(c.sqs, r.inboxUrl, 1);
    expect(inbox).toHaveLength(1);
    const message = (JSON.parse(inbox[0]?.Body as string) as { Message: string }).Message;
    expect(message).toMatch(
      /estimated accuracy \(ATC, capped by class mix, from 40 confidences; no labels yet\) fell to 50%.* from 90% labelled on 1 calibration day/,
    );
    expect(message).toMatch(/calibrated on reference \(labelled accuracy 90\.0%\)/);
    await deleteAll(c.sqs, r.inboxUrl, inbox);
  });
});
