import { PutObjectCommand } from '@aws-sdk/client-s3';
import { type Message, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoNightStore } from '../../lambdas/adapters/aws/dynamo-night-store.ts';
import { DynamoProfileStore } from '../../lambdas/adapters/aws/dynamo-profile-store.ts';
import { encodeJpeg } from '../../lambdas/adapters/sharp-codec.ts';
import type { Digest } from '../../lambdas/core/drift/digest.ts';
import { DEFAULT_MONITOR_CONFIG } from '../../lambdas/core/drift/monitor-config.ts';
import { runNight } from '../../lambdas/use-cases/run-night.ts';
import { scene } from '../helpers/images.ts';
import { fakeContext, sqsEvent } from '../helpers/lambda.ts';
import {
  type AwsClients,
  clientsFor,
  createPipelineResources,
  type PipelineResources,
  profileHandlerOn,
} from './resources.ts';

const DATASET = 'crowd';
const DAY = '2026-11-10';
const GOOD = 72;
const BAD = 8;
let c: AwsClients;
let r: PipelineResources;

beforeAll(async () => {
  c = clientsFor(inject('awsEndpoint'));
  r = await createPipelineResources(c, `cc${Date.now()}`);
});

describe('concurrent profile invocations on moto_server', () => {
  it('counts every image exactly once when 8 invocations write the same dataset-day, some events twice at the same time', async () => {
    // Prepare: 72 images and 8 unreadable files for one dataset-day
    const jpeg = await encodeJpeg(scene(64, 48, 3));
    const metadata = { 'captured-at': `${DAY}T12:00:00Z`, prediction: 'cat' };
    for (let i = 0; i < GOOD; i++)
      await c.s3.send(
        new PutObjectCommand({
          Bucket: r.bucket,
          Key: `images/${DATASET}/img ${i}.jpg`,
          Body: jpeg,
          Metadata: metadata,
        }),
      );
    for (let i = 0; i < BAD; i++)
      await c.s3.send(
        new PutObjectCommand({
          Bucket: r.bucket,
          Key: `images/${DATASET}/bad_${i}.jpg`,
          Body: i % 2 ? '' : 'not an image',
          Metadata: metadata,
        }),
      );
    const messages: Message[] = [];
    for (
      let attempt = 0;
      attempt < 40 && messages.filter((m) => !m.Body?.includes('s3:TestEvent')).length < GOOD + BAD;
      attempt++
    ) {
      const { Messages = [] } = await c.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: r.imagesQueueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          VisibilityTimeout: 60,
        }),
      );
      messages.push(...Messages);
    }
    const events = messages
      .filter((m) => !m.Body?.includes('s3:TestEvent'))
      .map((m) => ({ messageId: m.MessageId as string, body: m.Body as string }));
    expect(events).toHaveLength(GOOD + BAD);
    const batches = Array.from({ length: 8 }, (_, b) => events.filter((_, i) => i % 8 === b));
    const handler = profileHandlerOn(c, r);

    // Act: 8 invocations at once, plus 3 of the batches delivered a second time concurrently
    const invocations = [...batches, batches[0], batches[3], batches[5]].map((batch) =>
      handler(sqsEvent(batch ?? []), fakeContext),
    );
    const responses = await Promise.all(invocations);
    // Anything reported failed (e.g. a transaction conflict) is redelivered, as SQS would.
    for (const [i, response] of responses.entries()) {
      const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
      const batch = [...batches, batches[0], batches[3], batches[5]][i] ?? [];
      if (failed.size)
        expect(
          (await handler(sqsEvent(batch.filter((e) => failed.has(e.messageId))), fakeContext))
            .batchItemFailures,
        ).toEqual([]);
    }

    // Assess: the night's merge counts each file exactly once
    const sent: Digest[] = [];
    const night = await runNight(DATASET, DAY, {
      profiles: new DynamoProfileStore(c.db, r.table),
      nights: new DynamoNightStore(c.db, r.table),
      notifier: { publish: async (d) => void sent.push(d) },
      config: DEFAULT_MONITOR_CONFIG,
      now: () => new Date(),
    });
    expect(night.record.images).toBe(GOOD);
    expect(night.record.unreadable).toBe(BAD);
    expect(night.record.unreadableByReason).toEqual({
      'not-an-image': BAD / 2,
      'empty-file': BAD / 2,
    });
  });
});
