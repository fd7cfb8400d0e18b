import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { keys } from '../../lambdas/adapters/aws/table-schema.ts';
import { encodeJpeg } from '../../lambdas/adapters/sharp-codec.ts';
import { s3Opener } from '../../lambdas/handlers/ingest-labels.ts';
import { NightsFailedError } from '../../lambdas/handlers/run-monitors.ts';
import { scene } from '../helpers/images.ts';
import { fakeContext, s3EventBody, sqsEvent } from '../helpers/lambda.ts';
import { deleteAll, receiveAll } from './queues.ts';
import {
  type AwsClients,
  clientsFor,
  createPipelineResources,
  labelsHandlerOn,
  monitorsHandlerOn,
  type PipelineResources,
  profileHandlerOn,
  writeItems,
} from './resources.ts';

const DAY = '2026-11-12';
let endpoint: string;
let c: AwsClients;
let r: PipelineResources;
let jpeg: Uint8Array;

beforeAll(async () => {
  endpoint = inject('awsEndpoint');
  c = clientsFor(endpoint);
  r = await createPipelineResources(c, `ho${Date.now()}`);
  jpeg = await encodeJpeg(scene(64, 48, 5));
});

const put = (key: string, body: Uint8Array | string, metadata: Record<string, string> = {}) =>
  c.s3.send(new PutObjectCommand({ Bucket: r.bucket, Key: key, Body: body, Metadata: metadata }));

/** Clients whose GetObject calls are recorded as bucket/key. */
function readsRecorded(): { clients: AwsClients; reads: string[] } {
  const clients = clientsFor(endpoint);
  const reads: string[] = [];
  clients.s3.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { Bucket?: string; Key?: string };
      if (context.commandName === 'GetObjectCommand') reads.push(`${input.Bucket}/${input.Key}`);
      return next(args);
    },
    { step: 'initialize', name: 'recordReads' },
  );
  return { clients, reads };
}

const imageRecord = async (dataset: string, key: string) =>
  (await c.db.send(new GetCommand({ TableName: r.table, Key: keys.image(dataset, key) }))).Item;

describe('hostile events and names on moto_server', () => {
  it('runs the good dataset’s night and digest when another dataset’s name is unusable, logs the failure and fails the invocation', async () => {
    // Prepare: a good dataset whose day is 22% unreadable (the data-quality monitor fires: one
    // digest to send), and a name stored before routing refused such names, sorted first, whose
    // report key (reports/<name>/<day>/index.html) would pass S3's 1,024-byte limit.
    const bodies = [];
    for (let i = 0; i < 18; i++) {
      const key = `images/good/${DAY}/${i}.jpg`;
      await put(key, i < 14 ? jpeg : 'not an image', { 'captured-at': `${DAY}T08:00:00Z` });
      bodies.push({ messageId: `g${i}`, body: s3EventBody(key, `${DAY}T08:00:01Z`, r.bucket) });
    }
    const profiled = await profileHandlerOn(c, r)(sqsEvent(bodies), fakeContext);
    expect(profiled.batchItemFailures).toEqual([]);
    const unusable = `a${'x'.repeat(999)}`;
    await writeItems(c, r.table, 1, () => keys.active(DAY, unusable));
    const logger = new Logger({ logLevel: 'SILENT' });
    const errors = vi.spyOn(logger, 'error');
    const nightly = monitorsHandlerOn(c, r, () => new Date(`2026-11-13T02:30:00Z`), { logger });

    // Act
    const failure = await nightly({}, fakeContext).catch((error: Error) => error);

    // Assess: the invocation failed (the error alarm counts it), naming the dataset, shortened.
    expect(failure).toBeInstanceOf(NightsFailedError);
    expect((failure as Error).message).toMatch(/^1 of 2 nights failed \(datasets: ax{58}…\)/);
    expect(errors).toHaveBeenCalledWith(
      'night failed; the other datasets ran',
      expect.objectContaining({ day: DAY, error: expect.stringMatching(/1000 characters/) }),
    );
    // The good dataset got its night and its one digest.
    const night = await c.db.send(
      new GetCommand({ TableName: r.table, Key: keys.night('good', DAY) }),
    );
    expect(night.Item).toBeDefined();
    const inbox = await receiveAll(c.sqs, r.inboxUrl, 1);
    await deleteAll(c.sqs, r.inboxUrl, inbox);
    const subjects = inbox.map(
      (m) => (JSON.parse(m.Body as string) as { Subject: string }).Subject,
    );
    expect(subjects).toEqual([expect.stringContaining(`good ${DAY}`)]);
  });

  it('never reads an object of another bucket named in an event, for images or labels', async () => {
    const other = `${r.bucket}-other`;
    await c.s3.send(new CreateBucketCommand({ Bucket: other }));
    for (const [key, body] of [
      ['images/elsewhere/a.jpg', jpeg],
      ['labels/elsewhere/a.csv', 'image,label\nimages/elsewhere/a.jpg,cat\n'],
    ] as const)
      await c.s3.send(new PutObjectCommand({ Bucket: other, Key: key, Body: body }));
    const { clients, reads } = readsRecorded();

    const images = await profileHandlerOn(clients, r)(
      sqsEvent([
        { messageId: 'o1', body: s3EventBody('images/elsewhere/a.jpg', undefined, other) },
      ]),
      fakeContext,
    );
    const labels = await labelsHandlerOn(clients, r)(
      sqsEvent([
        { messageId: 'o2', body: s3EventBody('labels/elsewhere/a.csv', undefined, other) },
      ]),
      fakeContext,
    );

    expect(images.batchItemFailures).toEqual([]);
    expect(labels.batchItemFailures).toEqual([]);
    expect(reads).toEqual([]);
    expect(await imageRecord('elsewhere', 'images/elsewhere/a.jpg')).toBeUndefined();
  });

  it('counts images and profiles above the size limit as unreadable and drops an oversized label file, without failing the batch', async () => {
    const big = new Uint8Array(300_000).fill(7);
    await put('images/sizes/big.jpg', big, {
      'captured-at': `${DAY}T09:00:00Z`,
      prediction: 'cat',
    });
    await put('reference/sizes/train.profile', big);
    await put('images/sizes/small.jpg', jpeg, { 'captured-at': `${DAY}T09:00:00Z` });
    await put(
      'labels/sizes/big.csv',
      `image,label\n${'images/sizes/small.jpg,cat\n'.repeat(20_000)}`,
    );
    const metrics = new Metrics({ namespace: 'Test' });
    const added = vi.spyOn(metrics, 'addMetric');
    const limits = { imageBytes: 100_000, profileBytes: 100_000 };

    const images = await profileHandlerOn(c, r, { objectLimits: limits, metrics })(
      sqsEvent(
        ['images/sizes/big.jpg', 'reference/sizes/train.profile', 'images/sizes/small.jpg'].map(
          (key, i) => ({
            messageId: `s${i}`,
            body: s3EventBody(key, `${DAY}T09:00:01Z`, r.bucket),
          }),
        ),
      ),
      fakeContext,
    );
    const labelMetrics = new Metrics({ namespace: 'Test' });
    const labelAdded = vi.spyOn(labelMetrics, 'addMetric');
    const labels = await labelsHandlerOn(c, r, {
      openObject: s3Opener(c.s3, 100_000),
      metrics: labelMetrics,
    })(
      sqsEvent([
        { messageId: 'l1', body: s3EventBody('labels/sizes/big.csv', undefined, r.bucket) },
      ]),
      fakeContext,
    );

    expect(images.batchItemFailures).toEqual([]);
    expect(await imageRecord('sizes', 'images/sizes/big.jpg')).toMatchObject({
      day: DAY,
      prediction: 'cat',
      unreadable: 'too-large',
    });
    expect(await imageRecord('sizes', 'reference/sizes/train.profile')).toMatchObject({
      unreadable: 'too-large',
    });
    expect(await imageRecord('sizes', 'images/sizes/small.jpg')).not.toHaveProperty('unreadable');
    expect(added).toHaveBeenCalledWith('ObjectsTooLarge', 'Count', 2);
    expect(labels.batchItemFailures).toEqual([]);
    expect(labelAdded).toHaveBeenCalledWith('ObjectsTooLarge', 'Count', 1);
    expect(labelAdded).not.toHaveBeenCalledWith(
      'LabelsIngested',
      expect.anything(),
      expect.anything(),
    );
  });
});
