import { PutObjectCommand } from '@aws-sdk/client-s3';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoLabelStore } from '../../lambdas/adapters/aws/dynamo-label-store.ts';
import { keys } from '../../lambdas/adapters/aws/table-schema.ts';
import { encodeJpeg } from '../../lambdas/adapters/sharp-codec.ts';
import { decodeProfile } from '../../lambdas/core/profile/profile-codec.ts';
import { syntheticPhoto } from '../../lambdas/scenario/synthetic-photo.ts';
import { fakeContext, sqsEvent } from '../helpers/lambda.ts';
import { deleteAll, deliverNotifications, receiveAll } from './queues.ts';
import {
  type AwsClients,
  clientsFor,
  createPipelineResources,
  labelsHandlerOn,
  type PipelineResources,
  profileHandlerOn,
} from './resources.ts';

const DATASET = 'pets';
const DAY = '2026-11-01';
const KEY = `images/${DATASET}/${DAY}/cam1.jpg`;

let c: AwsClients;
let r: PipelineResources;
let profileHandler: ReturnType<typeof profileHandlerOn>;

beforeAll(async () => {
  c = clientsFor(inject('awsEndpoint'));
  r = await createPipelineResources(c, `cp${Date.now()}`);
  profileHandler = profileHandlerOn(c, r);
});

const upload = async (metadata: Record<string, string>) =>
  c.s3.send(
    new PutObjectCommand({
      Bucket: r.bucket,
      Key: KEY,
      Body: await encodeJpeg(syntheticPhoto(96, 72, 7, 'dog'), 90),
      Metadata: { 'captured-at': `${DAY}T09:00:00Z`, ...metadata },
    }),
  );

const storedRecord = async () =>
  (await c.db.send(new GetCommand({ TableName: r.table, Key: keys.image(DATASET, KEY) }))).Item;

const imagesCounted = async () => {
  const { Items = [] } = await c.db.send(
    new QueryCommand({
      TableName: r.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.partials(DATASET, DAY) },
    }),
  );
  return Items.reduce((n, item) => n + decodeProfile(item.profile as Uint8Array).images, 0);
};

describe('a re-upload with a corrected prediction on moto_server', () => {
  it('replaces the stored prediction, counts the image once, and labels join the corrected one', async () => {
    await upload({ prediction: 'cat', confidence: '0.91', 'model-version': 'v1' });
    await deliverNotifications(c.sqs, r.imagesQueueUrl, 1, profileHandler);
    expect(await storedRecord()).toMatchObject({ prediction: 'cat', modelVersion: 'v1' });

    // The serving system corrects its prediction: the same key again, new metadata.
    await upload({ prediction: 'dog', 'model-version': 'v2' });
    await deliverNotifications(c.sqs, r.imagesQueueUrl, 1, profileHandler, false);
    const corrected = await storedRecord();
    expect(corrected).toMatchObject({ prediction: 'dog', modelVersion: 'v2', day: DAY });
    // The old confidence belonged to the old prediction.
    expect(corrected?.confidence).toBeUndefined();
    expect(await imagesCounted()).toBe(1);

    // A label file now joins the corrected prediction: the day is right, not wrong.
    const labelsHandler = labelsHandlerOn(c, r, {
      labels: new DynamoLabelStore(c.db, r.table, c.s3, r.bucket),
    });
    await c.s3.send(
      new PutObjectCommand({
        Bucket: r.bucket,
        Key: `labels/${DATASET}/batch.csv`,
        Body: `image,label\n${KEY},dog\n`,
      }),
    );
    await deliverNotifications(c.sqs, r.labelsQueueUrl, 1, labelsHandler);
    const performance = await new DynamoLabelStore(c.db, r.table, c.s3, r.bucket).loadPerformance(
      DATASET,
      DAY,
    );
    expect(performance?.confusion).toEqual({ dog: { dog: 1 } });
  });

  it('keeps the newer prediction when an older upload’s event arrives late', async () => {
    // moto's notifications carry no sequencer; real S3's do, so each event gets one here.
    const deliverSequenced = async (sequencer: string) => {
      const [message] = await receiveAll(c.sqs, r.imagesQueueUrl, 1, { waitSeconds: 0 });
      const body = JSON.parse(message?.Body as string);
      body.Records[0].s3.object.sequencer = sequencer;
      const response = await profileHandler(
        sqsEvent([{ messageId: sequencer, body: JSON.stringify(body) }]),
        fakeContext,
      );
      await deleteAll(c.sqs, r.imagesQueueUrl, message ? [message] : []);
      expect(response.batchItemFailures).toEqual([]);
    };
    await upload({ prediction: 'bird', 'model-version': 'v3' });
    await deliverSequenced('0055AED6DCD90281E6');
    expect(await storedRecord()).toMatchObject({ prediction: 'bird', modelVersion: 'v3' });

    // The object now holds stale metadata, read for an event S3 sequenced before the stored one.
    await upload({ prediction: 'cat' });
    await deliverSequenced('0055AED6DCD90281E5');
    expect(await storedRecord()).toMatchObject({ prediction: 'bird', modelVersion: 'v3' });
    expect(await imagesCounted()).toBe(1);
  });
});
