import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { Message } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoNightStore } from '../../lambdas/adapters/aws/dynamo-night-store.ts';
import { DynamoProfileStore } from '../../lambdas/adapters/aws/dynamo-profile-store.ts';
import { encodeJpeg } from '../../lambdas/adapters/sharp-codec.ts';
import { segmentScope } from '../../lambdas/core/profile/segments.ts';
import { CAMERA_FAULT } from '../../lambdas/scenario/corruptions.ts';
import { syntheticPhoto } from '../../lambdas/scenario/synthetic-photo.ts';
import { fakeContext } from '../helpers/lambda.ts';
import { actionsOf, synth } from '../helpers/stack.ts';
import { deleteAll, deliverNotifications, receiveAll } from './queues.ts';
import {
  type AwsClients,
  clientsFor,
  createPipelineResources,
  monitorsHandlerOn,
  type PipelineResources,
  profileHandlerOn,
  recordingClients,
} from './resources.ts';

/**
 * Issue 13's acceptance on moto_server: images tagged with their camera (`segment` metadata) go
 * through the real S3 → SQS notification and the profile handler; the nightly handler then sends
 * one digest per dataset-day that names the faulty camera, and a fleet that fell silent still gets
 * its night.
 */

const CAMERAS = ['cam01', 'cam02', 'cam03'];
const PER_CAMERA_AND_DAY = 20;
const DAYS = ['2026-11-01', '2026-11-02', '2026-11-03', '2026-11-04'];

let endpoint: string;
let c: AwsClients;
/** The AWS actions each function's handler really called, to check against its IAM policy. */
const called = { ProfileImages: new Set<string>(), RunMonitors: new Set<string>() };

beforeAll(() => {
  endpoint = inject('awsEndpoint');
  c = clientsFor(endpoint);
});

/** The pipeline's resources and handlers; the nightly handler's clock is `clock.now`. */
async function pipeline(name: string) {
  const r = await createPipelineResources(c, `${name}${Date.now()}`);
  const profileHandler = profileHandlerOn(recordingClients(endpoint, called.ProfileImages), r);
  const clock = { now: new Date(0) };
  const monitorsHandler = monitorsHandlerOn(
    recordingClients(endpoint, called.RunMonitors),
    r,
    () => clock.now,
  );
  /** Runs the nightly handler as the schedule would at 02:30 UTC on `day`. */
  const scheduledOn = (day: string) => {
    clock.now = new Date(`${day}T02:30:00Z`);
    return monitorsHandler({}, fakeContext);
  };
  return { r, profileHandler, monitorsHandler, scheduledOn, clock };
}

/** Uploads a camera's image as a camera gateway would: the camera in `segment`, the capture time. */
async function uploadFrame(
  r: PipelineResources,
  key: string,
  camera: string,
  seed: number,
  capturedAt?: string,
  faulty = false,
) {
  let image = syntheticPhoto(96, 72, seed, seed % 2 ? 'cat' : 'dog');
  if (faulty) image = await CAMERA_FAULT(image, seed);
  await c.s3.send(
    new PutObjectCommand({
      Bucket: r.bucket,
      Key: key,
      Body: await encodeJpeg(image, 90),
      Metadata: {
        segment: camera,
        prediction: 'cat',
        ...(capturedAt ? { 'captured-at': capturedAt } : {}),
      },
    }),
  );
}

type Notification = { Subject: string; Message: string };
const notificationsIn = (messages: readonly Message[]) =>
  messages.map((m) => JSON.parse(m.Body as string) as Notification);

describe('a camera fleet on moto_server', () => {
  it('sends one digest that names the faulty camera and none of the healthy ones', async () => {
    const { r, profileHandler, monitorsHandler, scheduledOn } = await pipeline('fl');
    const dataset = 'yard';
    // Prepare: reference images and four days from three cameras; on the last day cam03's frames
    // are pixelated and carry dead pixels.
    let objects = 0;
    for (const camera of CAMERAS)
      for (let i = 0; i < PER_CAMERA_AND_DAY; i++, objects++)
        await uploadFrame(r, `reference/${dataset}/${camera}_${i}.jpg`, camera, 9_000 + objects);
    for (const [d, day] of DAYS.entries())
      for (const [k, camera] of CAMERAS.entries())
        for (let i = 0; i < PER_CAMERA_AND_DAY; i++, objects++)
          await uploadFrame(
            r,
            `images/${dataset}/${day}/${camera}/frame_${i}.jpg`,
            camera,
            1_000 * (k + 1) + 100 * d + i,
            `${day}T${String(8 + (i % 10)).padStart(2, '0')}:00:00Z`,
            camera === 'cam03' && d === DAYS.length - 1,
          );

    // Act 1: the notifications reach the profile handler; the first batches are delivered twice.
    const batches = await deliverNotifications(c.sqs, r.imagesQueueUrl, objects, profileHandler);
    for (const batch of batches.slice(0, 4))
      expect((await profileHandler(batch, fakeContext)).batchItemFailures).toEqual([]);

    // Assess 1: each camera has its own partials, counted once, and is listed once per day.
    const profiles = new DynamoProfileStore(c.db, r.table);
    for (const day of [...DAYS, 'reference']) {
      expect((await profiles.segmentsOn(dataset, day)).sort()).toEqual(CAMERAS);
      for (const camera of CAMERAS) {
        const partials = profiles.partials(segmentScope(dataset, camera), day);
        let images = 0;
        for await (const p of partials) images += p.images;
        expect(images, `${camera} ${day}`).toBe(PER_CAMERA_AND_DAY);
      }
    }

    // Act 2: the first three nights as a backfill, then the schedule's run for the fourth day.
    const backfill = await monitorsHandler({ dataset, from: DAYS[0], to: DAYS[2] }, fakeContext);
    const scheduled = await scheduledOn('2026-11-05');

    // Assess 2: quiet nights, then one digest naming cam03 alone.
    expect(backfill.nights.map((n) => [n.day, n.images, n.digest])).toEqual(
      DAYS.slice(0, 3).map((day) => [day, 60, 'none']),
    );
    expect(scheduled.nights).toEqual([
      expect.objectContaining({ dataset, day: '2026-11-04', images: 60, digest: 'sent' }),
    ]);
    const inbox = await receiveAll(c.sqs, r.inboxUrl, 1, { visibilityTimeout: 60 });
    const [digest, ...others] = notificationsIn(inbox);
    expect(others).toEqual([]);
    expect(digest?.Subject).toContain(`${dataset} 2026-11-04`);
    expect(digest?.Message).toContain('cam03');
    expect(digest?.Message).not.toMatch(/cam01|cam02/);
    const night = await new DynamoNightStore(c.db, r.table).loadNight(dataset, '2026-11-04');
    expect(night?.segments?.map((s) => [s.segment, s.images, s.driftAlerted])).toEqual([
      ['cam01', 20, false],
      ['cam02', 20, false],
      ['cam03', 20, true],
    ]);
    await deleteAll(c.sqs, r.inboxUrl, inbox);

    // Act 3: a backfill over all four days re-runs the faulty night.
    const rerun = await monitorsHandler({ from: DAYS[0], to: DAYS[3] }, fakeContext);

    // Assess 3: the same alerts are not sent again.
    expect(rerun.nights.at(-1)).toMatchObject({ day: '2026-11-04', digest: 'already-sent' });
    expect(
      await receiveAll(c.sqs, r.inboxUrl, 0, { waitSeconds: 2, visibilityTimeout: 60 }),
    ).toHaveLength(0);
  });

  it('gives a fleet that sent nothing yesterday its night, with a silence alert', async () => {
    const { r, profileHandler, scheduledOn } = await pipeline('fq');
    const dataset = 'gate';
    // Prepare: three days of images from three cameras, then nothing on 2026-11-04.
    let objects = 0;
    for (const [d, day] of DAYS.slice(0, 3).entries())
      for (const [k, camera] of CAMERAS.entries())
        for (let i = 0; i < 4; i++, objects++)
          await uploadFrame(
            r,
            `images/${dataset}/${camera}/${day}_${i}.jpg`,
            camera,
            5_000 + 1_000 * k + 100 * d + i,
            `${day}T12:00:00Z`,
          );
    await deliverNotifications(c.sqs, r.imagesQueueUrl, objects, profileHandler);

    // Act: the schedule fires every night, the last one for the silent day.
    const nights = [];
    for (const morning of ['2026-11-02', '2026-11-03', '2026-11-04', '2026-11-05'])
      nights.push(...(await scheduledOn(morning)).nights);

    // Assess: three quiet nights, then a night for the silent day with one digest saying so.
    expect(nights.map((n) => [n.day, n.images, n.digest])).toEqual([
      ['2026-11-01', 12, 'none'],
      ['2026-11-02', 12, 'none'],
      ['2026-11-03', 12, 'none'],
      ['2026-11-04', 0, 'sent'],
    ]);
    const inbox = await receiveAll(c.sqs, r.inboxUrl, 1, { visibilityTimeout: 60 });
    const [digest, ...others] = notificationsIn(inbox);
    expect(others).toEqual([]);
    expect(digest?.Subject).toContain(`${dataset} 2026-11-04`);
    expect(digest?.Message).toContain('sent no images');
    await deleteAll(c.sqs, r.inboxUrl, inbox);
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
