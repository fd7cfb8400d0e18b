import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { MAX_RECEIVE_COUNT } from '../../infra/definitions.ts';
import { DynamoLabelStore } from '../../lambdas/adapters/aws/dynamo-label-store.ts';
import { encodeJpeg } from '../../lambdas/adapters/sharp-codec.ts';
import { parseMonitorConfig } from '../../lambdas/core/drift/monitor-config.ts';
import { decodeProfile } from '../../lambdas/core/profile/profile-codec.ts';
import type { makeHandler as makeLabelsHandler } from '../../lambdas/handlers/ingest-labels.ts';
import type { makeHandler as makeProfileHandler } from '../../lambdas/handlers/profile-images.ts';
import type { makeHandler as makeMonitorsHandler } from '../../lambdas/handlers/run-monitors.ts';
import { boxBlur, scene, withGaussianNoise } from '../helpers/images.ts';
import { fakeContext } from '../helpers/lambda.ts';
import { actionsOf, synth } from '../helpers/stack.ts';
import { deleteAll, receiveAll, toSqsEvent } from './queues.ts';
import {
  type AwsClients,
  clientsFor,
  createPipelineResources,
  labelsHandlerOn,
  monitorsHandlerOn,
  type PipelineResources,
  profileHandlerOn,
  recordingClients,
} from './resources.ts';

const DATASET = 'pets';
const _silent = {
  logger: new Logger({ logLevel: 'SILENT' }),
  metrics: new Metrics({ namespace: 'Test' }),
};

let c: AwsClients;
let r: PipelineResources;
let profileHandler: ReturnType<typeof makeProfileHandler>;
let monitorsHandler: ReturnType<typeof makeMonitorsHandler>;
let labelsHandler: ReturnType<typeof makeLabelsHandler>;
let labelStore: DynamoLabelStore;

async function upload(
  key: string,
  blurred: boolean,
  seed: number,
  metadata: Record<string, string>,
) {
  let image = withGaussianNoise(scene(96, 72, seed), 3, seed);
  if (blurred) image = boxBlur(image, 2);
  await c.s3.send(
    new PutObjectCommand({
      Bucket: r.bucket,
      Key: key,
      Body: await encodeJpeg(image, 90),
      Metadata: metadata,
    }),
  );
}

async function partialImageCount(day: string): Promise<number> {
  const { Items = [] } = await c.db.send(
    new QueryCommand({
      TableName: r.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `PARTIAL#${DATASET}#${day}` },
    }),
  );
  return Items.reduce((sum, item) => sum + decodeProfile(item.profile as Uint8Array).images, 0);
}

/** The AWS actions each function's handler really called, to check against its IAM policy. */
const called = {
  ProfileImages: new Set<string>(),
  RunMonitors: new Set<string>(),
  IngestLabels: new Set<string>(),
};

beforeAll(async () => {
  const endpoint = inject('awsEndpoint');
  c = clientsFor(endpoint);
  r = await createPipelineResources(c, `it${Date.now()}`);
  profileHandler = profileHandlerOn(recordingClients(endpoint, called.ProfileImages), r);
  monitorsHandler = monitorsHandlerOn(
    recordingClients(endpoint, called.RunMonitors),
    r,
    () => new Date('2026-11-03T02:30:00Z'),
  );
  const l = recordingClients(endpoint, called.IngestLabels);
  labelStore = new DynamoLabelStore(l.db, r.table, l.s3, r.bucket);
  labelsHandler = labelsHandlerOn(l, r, {
    labels: labelStore,
    config: parseMonitorConfig({
      monitors: [
        {
          kind: 'performance',
          id: 'model-accuracy',
          metric: 'accuracy',
          maxDrop: 0.15,
          minLabelled: 10,
        },
      ],
    }),
    now: () => new Date('2026-11-05T00:00:00Z'),
  });
});

describe('the AWS pipeline on moto_server', () => {
  it('profiles images delivered by the bucket notification, alerts on the drifted day, and stays idempotent', async () => {
    // Prepare: a reference, a clean day and a blurred day, uploaded like a camera would (one key with a space, a + and an é).
    const keys: string[] = [];
    for (let i = 0; i < 40; i++) await upload(`reference/${DATASET}/ref_${i}.jpg`, false, i, {});
    for (let i = 0; i < 20; i++) {
      const key =
        i === 0
          ? `images/${DATASET}/2026/11/01/caméra 1+${i}.jpg`
          : `images/${DATASET}/2026/11/01/img_${i}.jpg`;
      keys.push(key);
      await upload(key, false, 100 + i, {
        prediction: i % 2 ? 'dog' : 'cat',
        confidence: '0.9',
        'captured-at': '2026-11-01T12:00:00Z',
      });
    }
    for (let i = 0; i < 20; i++) {
      await upload(`images/${DATASET}/2026/11/02/img_${i}.jpg`, true, 200 + i, {
        prediction: 'cat',
        'captured-at': '2026-11-02T12:00:00Z',
      });
    }

    // Act 1: the notifications really arrive on the queue; the handler runs in-process on them, 10 at a time.
    const messages = await receiveAll(c.sqs, r.imagesQueueUrl, 81); // 80 objects + the s3:TestEvent
    const objectEvents = messages.filter((m) => !(m.Body ?? '').includes('s3:TestEvent'));
    expect(objectEvents).toHaveLength(80);
    const batches: SQSEvent[] = [];
    for (let i = 0; i < messages.length; i += 10)
      batches.push(toSqsEvent(messages.slice(i, i + 10)));
    for (const batch of batches)
      expect((await profileHandler(batch, fakeContext)).batchItemFailures).toEqual([]);
    await deleteAll(c.sqs, r.imagesQueueUrl, messages);

    // Assess 1: partials and per-image prediction records in DynamoDB
    expect(await partialImageCount('reference')).toBe(40);
    expect(await partialImageCount('2026-11-01')).toBe(20);
    expect(await partialImageCount('2026-11-02')).toBe(20);
    const { Items: records = [] } = await c.db.send(
      new QueryCommand({
        TableName: r.table,
        KeyConditionExpression: 'pk = :pk',
        // Records sit under their file name (table-schema.ts).
        ExpressionAttributeValues: { ':pk': `IMAGE#${DATASET}#${keys[0]?.split('/').pop()}` },
      }),
    );
    expect(records[0]).toMatchObject({
      prediction: 'cat',
      confidence: 0.9,
      day: '2026-11-01',
      key: `images/${DATASET}/2026/11/01/caméra 1+0.jpg`,
    });
    expect(records[0]?.expiresAt).toBe(Date.parse('2026-11-01T12:00:00Z') / 1000 + 90 * 86_400);

    // Act 2: the nightly run, as a backfill of both days
    const run = await monitorsHandler({ from: '2026-11-01', to: '2026-11-02' }, fakeContext);

    // Assess 2: day 1 silent, day 2 alerted; one digest on the topic, naming the drifted feature
    expect(run.nights.map((n) => [n.day, n.images, n.alerts > 0, n.digest])).toEqual([
      ['2026-11-01', 20, false, 'none'],
      ['2026-11-02', 20, true, 'sent'],
    ]);
    const inbox = await receiveAll(c.sqs, r.inboxUrl, 1);
    expect(inbox).toHaveLength(1);
    const notification = JSON.parse(inbox[0]?.Body as string) as {
      Subject: string;
      Message: string;
      MessageAttributes: Record<string, { Value: string }>;
    };
    expect(notification.Subject).toMatch(
      /^\[Driftwatch\] pets 2026-11-02: drift in \d+ features? \(/,
    );
    expect(notification.Message).toContain(
      'sharpness fell sharply against the reference: images are blurrier',
    );
    expect(notification.MessageAttributes.severity?.Value).toBe('high');
    // The digest links the night's report in the S3 console (login required), and the report is there.
    expect(notification.Message).toContain(
      `Report: https://us-east-1.console.aws.amazon.com/s3/object/${r.bucket}?region=us-east-1&prefix=reports%2Fpets%2F2026-11-02%2Findex.html`,
    );
    for (const key of [
      `reports/${DATASET}/2026-11-02/index.html`,
      `reports/${DATASET}/latest/index.html`,
    ]) {
      const report = await c.s3.send(new GetObjectCommand({ Bucket: r.bucket, Key: key }));
      expect(report.ContentType).toBe('text/html; charset=utf-8');
      const html = (await report.Body?.transformToString()) ?? '';
      expect(html).toContain('data-focus-day="2026-11-02"');
      expect(html).toContain('data:image/jpeg;base64,');
    }
    await deleteAll(c.sqs, r.inboxUrl, inbox);

    // Act 3: a batch is redelivered and the night re-run
    for (const batch of batches.slice(0, 3))
      expect((await profileHandler(batch, fakeContext)).batchItemFailures).toEqual([]);
    const rerun = await monitorsHandler(
      { dataset: DATASET, from: '2026-11-02', to: '2026-11-02' },
      fakeContext,
    );

    // Assess 3: counts unchanged, no second alert
    expect(await partialImageCount('reference')).toBe(40);
    expect(await partialImageCount('2026-11-01')).toBe(20);
    expect(await partialImageCount('2026-11-02')).toBe(20);
    expect(rerun.nights).toEqual([
      expect.objectContaining({ day: '2026-11-02', images: 20, digest: 'already-sent' }),
    ]);
    expect(await receiveAll(c.sqs, r.inboxUrl, 0, { waitSeconds: 2 })).toHaveLength(0);
  });

  it('processes yesterday for every dataset that had data when the schedule fires', async () => {
    const run = await monitorsHandler({}, fakeContext);
    expect(run.nights.map((n) => n.day)).toEqual(['2026-11-02']);
  });

  it('parks a poison message in the DLQ after the configured number of receives', async () => {
    await c.sqs.send(
      new SendMessageCommand({ QueueUrl: r.imagesQueueUrl, MessageBody: 'not an S3 event' }),
    );
    for (let receive = 0; receive < MAX_RECEIVE_COUNT; receive++) {
      const { Messages = [] } = await c.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: r.imagesQueueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          VisibilityTimeout: 0,
        }),
      );
      expect(Messages).toHaveLength(1);
      const response = await profileHandler(toSqsEvent(Messages), fakeContext);
      expect(response.batchItemFailures).toEqual([{ itemIdentifier: Messages[0]?.MessageId }]);
    }
    const { Messages: after = [] } = await c.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: r.imagesQueueUrl, WaitTimeSeconds: 1 }),
    );
    expect(after).toHaveLength(0);
    const parked = await receiveAll(c.sqs, r.dlqUrl, 1);
    expect(parked.map((m) => m.Body)).toEqual(['not an S3 event']);
  });

  it('ingests a label file dropped into S3, stores per-day performance and alerts when accuracy drops', async () => {
    // Prepare: day 1 predictions alternate cat/dog and the labels agree; day 2 was predicted "cat" but is all dogs.
    const rows = ['image,label,annotator'];
    for (let i = 0; i < 20; i++) {
      const day1 =
        i === 0
          ? `images/${DATASET}/2026/11/01/caméra 1+0.jpg`
          : `images/${DATASET}/2026/11/01/img_${i}.jpg`;
      for (const annotator of ['ann-1', 'ann-2']) {
        rows.push(`s3://${r.bucket}/${day1},${i % 2 ? 'dog' : 'cat'},${annotator}`);
        rows.push(`images/${DATASET}/2026/11/02/img_${i}.jpg,dog,${annotator}`);
      }
    }
    rows.push('img_3.jpg,dog,ann-1'); // a bare name on two days: ambiguous, never guessed
    rows.push('never-uploaded.jpg,cat,ann-1');
    await c.s3.send(
      new PutObjectCommand({
        Bucket: r.bucket,
        Key: `labels/${DATASET}/batch 1.csv`,
        Body: rows.join('\n'),
      }),
    );

    // Act: the notification arrives on the labels queue; the handler runs in-process
    const messages = (await receiveAll(c.sqs, r.labelsQueueUrl, 2)).filter(
      (m) => !(m.Body ?? '').includes('s3:TestEvent'),
    );
    expect(messages).toHaveLength(1);
    const response = await labelsHandler(toSqsEvent(messages), fakeContext);

    // Assess: performance per prediction day, a manifest, and one alert naming day 2
    expect(response.batchItemFailures).toEqual([]);
    const day1 = await labelStore.loadPerformance(DATASET, '2026-11-01');
    const day2 = await labelStore.loadPerformance(DATASET, '2026-11-02');
    expect(day1?.metrics).toMatchObject({ labelled: 20, accuracy: 1 });
    expect(day2?.confusion).toEqual({ dog: { cat: 20 } });
    expect(day2?.coverage).toBe(1);
    const inbox = await receiveAll(c.sqs, r.inboxUrl, 1);
    expect(inbox).toHaveLength(1);
    const alert = JSON.parse(inbox[0]?.Body as string) as { Subject: string; Message: string };
    expect(alert.Subject).toBe('[Driftwatch] pets: model performance fell on 2026-11-02');
    expect(alert.Message).toContain('accuracy fell to 0%');
    // It says what fell and where, and links the day's report as the nightly digest does.
    expect(alert.Message).toMatch(
      /^Model accuracy of dataset "pets" fell on 2026-11-02 \(the day the predictions were made\), judged on the labels in labels\/pets\/batch 1\.csv\.\n/,
    );
    expect(alert.Message).toContain(
      `Report of 2026-11-02: https://us-east-1.console.aws.amazon.com/s3/object/${r.bucket}?region=us-east-1&prefix=reports%2Fpets%2F2026-11-02%2Findex.html`,
    );
    expect(alert.Message).not.toMatch(/on performance|drifted images/);
    await deleteAll(c.sqs, r.inboxUrl, inbox);
    const manifest = await c.s3.send(
      new GetObjectCommand({ Bucket: r.bucket, Key: `manifests/${DATASET}/2026-11-02.jsonl` }),
    );
    const lines = (await manifest.Body?.transformToString())?.trim().split('\n') ?? [];
    expect(lines).toHaveLength(20);
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      label: 'dog',
      prediction: 'cat',
      correct: false,
    });

    // The same file again (a redelivered event): nothing changes, nothing is sent.
    await labelsHandler(toSqsEvent(messages), fakeContext);
    expect((await labelStore.loadPerformance(DATASET, '2026-11-02'))?.confusion).toEqual({
      dog: { cat: 20 },
    });
    expect(await receiveAll(c.sqs, r.inboxUrl, 0, { waitSeconds: 2 })).toHaveLength(0);
  });

  it('calls only AWS actions its function is granted in the synthesized stack (run after the tests above)', () => {
    const { template } = synth('prod');
    for (const [fn, actions] of Object.entries(called)) {
      expect(actions.size, `${fn} made no AWS call: run the whole file`).toBeGreaterThan(0);
      const granted = new Set(actionsOf(template, fn));
      expect(
        [...actions].filter((a) => !granted.has(a)),
        fn,
      ).toEqual([]);
    }
  });
});
