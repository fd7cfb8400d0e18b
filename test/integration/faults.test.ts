import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse } from 'aws-lambda';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { CLAIM_LEASE_SECONDS, IMAGES_QUEUE_VISIBILITY_SECONDS } from '../../infra/definitions.ts';
import { DynamoLabelStore } from '../../lambdas/adapters/aws/dynamo-label-store.ts';
import { DynamoNightStore } from '../../lambdas/adapters/aws/dynamo-night-store.ts';
import { DynamoPartialCommitter } from '../../lambdas/adapters/aws/dynamo-partial-committer.ts';
import { DynamoProfileStore } from '../../lambdas/adapters/aws/dynamo-profile-store.ts';
import { SnsNotifier } from '../../lambdas/adapters/aws/sns-notifier.ts';
import { encodeJpeg } from '../../lambdas/adapters/sharp-codec.ts';
import {
  DEFAULT_MONITOR_CONFIG,
  parseMonitorConfig,
} from '../../lambdas/core/drift/monitor-config.ts';
import { emptyProfile } from '../../lambdas/core/profile/dataset-profile.ts';
import { s3Opener } from '../../lambdas/handlers/ingest-labels.ts';
import { runNight } from '../../lambdas/use-cases/run-night.ts';
import { claimAndCommit } from '../helpers/claim-and-commit.ts';
import { scene } from '../helpers/images.ts';
import { fakeContext, s3EventBody, sqsEvent } from '../helpers/lambda.ts';
import {
  type AwsClients,
  clientsFor,
  createPipelineResources,
  labelsHandlerOn,
  type PipelineResources,
  profileHandlerOn,
} from './resources.ts';

const DATASET = 'faulty';
const DAYS = ['2026-11-12', '2026-11-13'];
const GOOD = 14;
const BAD = 4;
let endpoint: string;
let c: AwsClients;
let r: PipelineResources;

beforeAll(async () => {
  endpoint = inject('awsEndpoint');
  c = clientsFor(endpoint);
  r = await createPipelineResources(c, `ft${Date.now()}`);
});

/** Clients whose `command` fails once, on its `nth` call, as a throttle that outlived the SDK's retries would. */
function clientsFailingOnce(command: string, nth: number, error: () => Error): AwsClients {
  const clients = clientsFor(endpoint);
  let calls = 0;
  for (const client of [clients.dynamo, clients.sns])
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === command && ++calls === nth) throw error();
        return next(args);
      },
      { step: 'initialize', name: 'injectFault' },
    );
  return clients;
}

const profileHandler = (clients: AwsClients) => profileHandlerOn(clients, r);

const nightDeps = (clients: AwsClients) => ({
  profiles: new DynamoProfileStore(clients.db, r.table),
  nights: new DynamoNightStore(clients.db, r.table),
  notifier: new SnsNotifier(clients.sns, r.topicArn),
  config: DEFAULT_MONITOR_CONFIG,
  now: () => new Date(),
});

async function drainInbox(): Promise<Message[]> {
  const out: Message[] = [];
  for (let attempt = 0; attempt < 5; attempt++) {
    const { Messages = [] } = await c.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: r.inboxUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
      }),
    );
    if (Messages.length === 0 && attempt > 0) break;
    out.push(...Messages);
    if (Messages.length)
      await c.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: r.inboxUrl,
          Entries: Messages.map((m, i) => ({
            Id: String(i),
            ReceiptHandle: m.ReceiptHandle as string,
          })),
        }),
      );
  }
  return out;
}

describe('faults on moto_server', () => {
  it('counts every image once and sends one digest per day through a mid-batch throttle, a timeout after commit, redeliveries and a failed publish', async () => {
    // Prepare: per day 14 images and 4 unreadable files (22% unreadable: the data-quality monitor
    // fires, so each day has exactly one digest to send); keys with spaces, unicode and '+'.
    const jpeg = await encodeJpeg(scene(64, 48, 5));
    const bodies: { messageId: string; body: string }[] = [];
    for (const day of DAYS)
      for (let i = 0; i < GOOD + BAD; i++) {
        const key = `images/${DATASET}/${day}/chat été ${i}+${i < GOOD ? 'ok' : 'bad'}.jpg`;
        await c.s3.send(
          new PutObjectCommand({
            Bucket: r.bucket,
            Key: key,
            Body: i < GOOD ? jpeg : i % 2 ? new Uint8Array(0) : 'not an image',
            Metadata: { 'captured-at': `${day}T08:00:00Z`, prediction: 'cat' },
          }),
        );
        bodies.push({
          messageId: `${day}-${i}`,
          body: s3EventBody(key, `${day}T08:00:01Z`, r.bucket),
        });
      }
    const failed = (response: SQSBatchResponse) =>
      bodies.filter((b) =>
        response.batchItemFailures.some((f) => f.itemIdentifier === b.messageId),
      );

    // Act 1: DynamoDB throttles the second day's commit after the first day's committed: the 40th
    // PutItem (per day 18 claims, the day's marker, then its partial).
    const throttled = clientsFailingOnce(
      'PutItemCommand',
      2 * (GOOD + BAD + 2),
      () =>
        new ProvisionedThroughputExceededException({
          message: 'Rate of requests exceeds the allowed throughput',
          $metadata: {},
        }),
    );
    const first = await profileHandler(throttled)(sqsEvent(bodies), fakeContext);
    expect(failed(first).length).toBeGreaterThan(0);
    const store = new DynamoProfileStore(c.db, r.table);
    const partialsOn = async (day: string) => {
      let n = 0;
      for await (const _ of store.partials(DATASET, day)) n++;
      return n;
    };
    expect(await partialsOn(DAYS[0] as string)).toBe(1);
    expect(await partialsOn(DAYS[1] as string)).toBe(0);
    // SQS redelivers what failed once its visibility timeout has passed, beyond the claims' lease
    // (the second day's claims are then taken over); then the whole batch once more, as after a
    // timeout past the commit.
    const redelivered = () => new Date(Date.now() + IMAGES_QUEUE_VISIBILITY_SECONDS * 1000);
    const healthy = profileHandlerOn(c, r, {
      committer: new DynamoPartialCommitter(c.db, r.table, {
        now: redelivered,
        claimLeaseSeconds: CLAIM_LEASE_SECONDS,
      }),
    });
    expect((await healthy(sqsEvent(failed(first)), fakeContext)).batchItemFailures).toEqual([]);
    expect((await healthy(sqsEvent(bodies), fakeContext)).batchItemFailures).toEqual([]);
    // SQS does not keep batches together: the same events again, five at a time.
    for (let i = 0; i < bodies.length; i += 5)
      expect(
        (await healthy(sqsEvent(bodies.slice(i, i + 5)), fakeContext)).batchItemFailures,
      ).toEqual([]);

    // Act 2: the night's first publish fails; the schedule's retry sends it; a re-run sends nothing.
    const publishFails = clientsFailingOnce(
      'PublishCommand',
      1,
      () => new Error('SNS is unavailable'),
    );
    await expect(runNight(DATASET, DAYS[0] as string, nightDeps(publishFails))).rejects.toThrow(
      'SNS is unavailable',
    );
    const nights = [];
    for (const day of DAYS) nights.push(await runNight(DATASET, day, nightDeps(publishFails)));
    for (const day of DAYS) await runNight(DATASET, day, nightDeps(c));

    // Assess: exact counts per day, and one digest per day in the inbox.
    for (const night of nights) {
      expect(night.record.images).toBe(GOOD);
      expect(night.record.unreadable).toBe(BAD);
    }
    const inbox = await drainInbox();
    const subjects = inbox.map(
      (m) => (JSON.parse(m.Body as string) as { Subject: string }).Subject,
    );
    expect(subjects).toHaveLength(2);
    expect(subjects.sort()).toEqual(DAYS.map((day) => expect.stringContaining(day)));
  });

  it('fails a crowd label file replaced between its two reads, and ingests the new version on the retry', async () => {
    const key = `labels/${DATASET}/crowd é+1.csv`;
    const put = (body: string) =>
      c.s3.send(new PutObjectCommand({ Bucket: r.bucket, Key: key, Body: body }));
    const votes = (label: string) =>
      ['image,label,annotator', ...['w1', 'w2', 'w3'].map((w) => `a.jpg,${label},${w}`)].join('\n');
    await put(votes('cat'));
    const open = s3Opener(c.s3);
    let replaced = false;
    const handler = (replaceAfterFirstRead: boolean) =>
      labelsHandlerOn(c, r, {
        openObject: async (bucket, objectKey, ifMatch) => {
          const opened = await open(bucket, objectKey, ifMatch);
          if (replaceAfterFirstRead && !replaced) {
            replaced = true;
            await put(votes('dog'));
          }
          return opened;
        },
      });
    const event = sqsEvent([
      { messageId: 'labels-1', body: s3EventBody(key, undefined, r.bucket) },
    ]);
    expect((await handler(true)(event, fakeContext)).batchItemFailures).toEqual([
      { itemIdentifier: 'labels-1' },
    ]);
    expect((await handler(false)(event, fakeContext)).batchItemFailures).toEqual([]);
  });

  it('sends one performance alert when the same label file reaches two invocations at once', async () => {
    // Prepare: 20 "cat" predictions on each of two days; the labels agree on the first day and
    // say "dog" for every image of the second.
    const dataset = 'labelled';
    const days = ['2026-11-14', '2026-11-15'];
    const committer = new DynamoPartialCommitter(c.db, r.table);
    const expiresAt = Math.floor(Date.now() / 1000) + 86_400;
    const keyOf = (day: string, i: number) => `images/${dataset}/${day}/img_${i}.jpg`;
    for (const day of days)
      await claimAndCommit(committer, {
        dataset,
        day,
        partialKey: `predictions-${day}`,
        profile: emptyProfile({ dataset, window: { start: day, end: day } }),
        records: Array.from({ length: 20 }, (_, i) => ({
          dataset,
          key: keyOf(day, i),
          day,
          capturedAt: `${day}T12:00:00Z`,
          prediction: 'cat',
          expiresAt,
        })),
      });
    const key = `labels/${dataset}/final 1.csv`;
    const rows = ['image,label'];
    for (let i = 0; i < 20; i++) rows.push(`${keyOf(days[0] as string, i)},cat`);
    for (let i = 0; i < 20; i++) rows.push(`${keyOf(days[1] as string, i)},dog`);
    await c.s3.send(new PutObjectCommand({ Bucket: r.bucket, Key: key, Body: rows.join('\n') }));
    await drainInbox();

    // Act: SQS delivers the file's event to two invocations at the same time.
    const handler = labelsHandlerOn(c, r, {
      config: parseMonitorConfig({
        monitors: [
          {
            kind: 'performance',
            id: 'accuracy',
            metric: 'accuracy',
            maxDrop: 0.15,
            minLabelled: 10,
          },
        ],
      }),
    });
    const event = sqsEvent([
      { messageId: 'labels-2', body: s3EventBody(key, undefined, r.bucket) },
    ]);
    const responses = await Promise.all([handler(event, fakeContext), handler(event, fakeContext)]);

    // Assess: both succeed, the day's performance counts each label once, one alert went out.
    expect(responses.map((x) => x.batchItemFailures)).toEqual([[], []]);
    const labels = new DynamoLabelStore(c.db, r.table, c.s3, r.bucket);
    const fell = await labels.loadPerformance(dataset, days[1] as string);
    expect(fell?.metrics).toMatchObject({ labelled: 20, accuracy: 0 });
    expect(fell?.confusion).toEqual({ dog: { cat: 20 } });
    const subjects = (await drainInbox()).map(
      (m) => (JSON.parse(m.Body as string) as { Subject: string }).Subject,
    );
    expect(subjects).toEqual([`[Driftwatch] ${dataset}: model performance fell on ${days[1]}`]);
  });
});
