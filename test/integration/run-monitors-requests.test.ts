import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { encodeJpeg } from '../../lambdas/adapters/sharp-codec.ts';
import type { makeHandler as makeMonitorsHandler } from '../../lambdas/handlers/run-monitors.ts';
import { syntheticPhoto } from '../../lambdas/scenario/synthetic-photo.ts';
import { fakeContext } from '../helpers/lambda.ts';
import { deliverNotifications } from './queues.ts';
import {
  type AwsClients,
  clientsFor,
  createPipelineResources,
  monitorsHandlerOn,
  type PipelineResources,
  profileHandlerOn,
} from './resources.ts';

const DATASET = 'pets';
const DAYS = ['2026-11-01', '2026-11-02'] as const;

let c: AwsClients;
let r: PipelineResources;
let monitorsHandler: ReturnType<typeof makeMonitorsHandler>;

beforeAll(async () => {
  c = clientsFor(inject('awsEndpoint'));
  r = await createPipelineResources(c, `rq${Date.now()}`);
  // The schedule's "yesterday" is 2026-11-04: a request that named no day would evaluate that.
  monitorsHandler = monitorsHandlerOn(c, r, () => new Date('2026-11-05T02:30:00Z'));
  let objects = 0;
  for (const day of DAYS)
    for (let i = 0; i < 6; i++, objects++)
      await c.s3.send(
        new PutObjectCommand({
          Bucket: r.bucket,
          Key: `images/${DATASET}/${day}/img_${i}.jpg`,
          Body: await encodeJpeg(syntheticPhoto(96, 72, objects, i % 2 ? 'cat' : 'dog'), 90),
          Metadata: { prediction: 'cat', 'captured-at': `${day}T12:00:00Z` },
        }),
      );
  await deliverNotifications(c.sqs, r.imagesQueueUrl, objects, profileHandlerOn(c, r));
});

const latestReport = async () => {
  const key = `reports/${DATASET}/latest/index.html`;
  const head = await c.s3.send(new HeadObjectCommand({ Bucket: r.bucket, Key: key }));
  const body = await c.s3.send(new GetObjectCommand({ Bucket: r.bucket, Key: key }));
  const html = (await body.Body?.transformToString()) ?? '';
  return { day: head.Metadata?.day, focus: /data-focus-day="([^"]+)"/.exec(html)?.[1] };
};

describe('run-monitors requests on moto_server', () => {
  it('evaluates the single day a request names, not yesterday', async () => {
    const run = await monitorsHandler({ dataset: DATASET, day: DAYS[1] }, fakeContext);
    expect(run.nights.map((n) => [n.dataset, n.day, n.images])).toEqual([[DATASET, DAYS[1], 6]]);
    expect(await latestReport()).toEqual({ day: DAYS[1], focus: DAYS[1] });
  });

  it('keeps latest/ on the newest night when an older night is backfilled', async () => {
    const backfill = await monitorsHandler({ dataset: DATASET, day: DAYS[0] }, fakeContext);
    expect(backfill.nights.map((n) => n.day)).toEqual([DAYS[0]]);
    // The older night's own report is written; latest/ still shows the newer night.
    const own = await c.s3.send(
      new GetObjectCommand({ Bucket: r.bucket, Key: `reports/${DATASET}/${DAYS[0]}/index.html` }),
    );
    expect(await own.Body?.transformToString()).toContain(`data-focus-day="${DAYS[0]}"`);
    expect(await latestReport()).toEqual({ day: DAYS[1], focus: DAYS[1] });

    // Re-running the newest night refreshes latest/ in place.
    await monitorsHandler({ dataset: DATASET, from: DAYS[1], to: DAYS[1] }, fakeContext);
    expect(await latestReport()).toEqual({ day: DAYS[1], focus: DAYS[1] });
  });

  it('rejects a misspelt field by name instead of evaluating another day', async () => {
    await expect(monitorsHandler({ dataset: DATASET, dya: DAYS[0] }, fakeContext)).rejects.toThrow(
      'run-monitors input: unknown field "dya" (allowed: dataset, day, from, to)',
    );
    await expect(
      monitorsHandler({ day: DAYS[0], from: DAYS[0], to: DAYS[1] }, fakeContext),
    ).rejects.toThrow('give either day or from/to, not both');
    await expect(monitorsHandler({ day: '26/11/2026' }, fakeContext)).rejects.toThrow(
      'day is not a YYYY-MM-DD date',
    );
  });
});
