import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { Message } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { encodeJpeg } from '../../lambdas/adapters/sharp-codec.ts';
import { scene, withGaussianNoise } from '../helpers/images.ts';
import { fakeContext } from '../helpers/lambda.ts';
import { deleteAll, receiveAll, toSqsEvent } from './queues.ts';
import {
  type AwsClients,
  clientsFor,
  createPipelineResources,
  labelsHandlerOn,
  monitorsHandlerOn,
  type PipelineResources,
  profileHandlerOn,
} from './resources.ts';

/** Driftwatch under a prefix of a bucket that also holds other data (the construct's `prefix`). */
const PREFIX = 'team/cv/';
const DAY = '2026-11-01';

let c: AwsClients;
let r: PipelineResources;

const objectEvents = (messages: readonly Message[]) =>
  messages.filter((m) => !(m.Body ?? '').includes('s3:TestEvent'));
const put = (Key: string, Body: Uint8Array | string, Metadata: Record<string, string> = {}) =>
  c.s3.send(new PutObjectCommand({ Bucket: r.bucket, Key, Body, Metadata }));
const read = async (Key: string) =>
  (await c.s3.send(new GetObjectCommand({ Bucket: r.bucket, Key }))).Body?.transformToString();

beforeAll(async () => {
  c = clientsFor(inject('awsEndpoint'));
  r = await createPipelineResources(c, `sb${Date.now()}`, { prefix: PREFIX });
});

describe('Driftwatch under a key prefix of a shared bucket, on moto_server', () => {
  it('profiles, ingests labels and reports under the prefix, and never sees the rest of the bucket', async () => {
    // Prepare: six images under the prefix, and the same layout outside it (another team's data).
    for (let i = 0; i < 6; i++) {
      const jpeg = await encodeJpeg(withGaussianNoise(scene(96, 72, i), 3, i), 90);
      const metadata = { prediction: 'cat', 'captured-at': `${DAY}T12:00:00Z` };
      await put(`${PREFIX}images/pets/img_${i}.jpg`, jpeg, metadata);
      await put(`images/pets/other_${i}.jpg`, jpeg, metadata);
    }

    // Act 1: only the prefixed uploads arrive on the images queue; the handler profiles them.
    const images = objectEvents(await receiveAll(c.sqs, r.imagesQueueUrl, 7));
    expect(images).toHaveLength(6);
    expect(
      images.every(
        (m) =>
          (m.Body ?? '').includes('team%2Fcv%2Fimages') ||
          (m.Body ?? '').includes('team/cv/images'),
      ),
    ).toBe(true);
    const profiled = await profileHandlerOn(c, r)(toSqsEvent(images), fakeContext);
    expect(profiled.batchItemFailures).toEqual([]);
    await deleteAll(c.sqs, r.imagesQueueUrl, images);

    // Act 2: a label file under the prefix names images by their full key and by bare name.
    const rows = ['image,label'];
    for (let i = 0; i < 6; i++)
      rows.push(
        `${i % 2 ? `s3://${r.bucket}/${PREFIX}images/pets/` : ''}img_${i}.jpg,${i < 3 ? 'cat' : 'dog'}`,
      );
    await put(`${PREFIX}labels/pets/day1.csv`, rows.join('\n'));
    await put('labels/pets/not-ours.csv', 'image,label\nimg_0.jpg,dog');
    const labels = objectEvents(await receiveAll(c.sqs, r.labelsQueueUrl, 2));
    expect(labels).toHaveLength(1);
    const ingested = await labelsHandlerOn(c, r)(toSqsEvent(labels), fakeContext);
    expect(ingested.batchItemFailures).toEqual([]);

    // Act 3: the night of DAY.
    const night = await monitorsHandlerOn(
      c,
      r,
      () => new Date('2026-11-02T02:30:00Z'),
    )({ dataset: 'pets', from: DAY, to: DAY }, fakeContext);

    // Assess: counts, the manifest and the reports are under the prefix, nothing outside it.
    expect(night.nights).toEqual([
      expect.objectContaining({ dataset: 'pets', day: DAY, images: 6 }),
    ]);
    const manifest = (await read(`${PREFIX}manifests/pets/${DAY}.jsonl`))?.trim().split('\n');
    expect(manifest).toHaveLength(6);
    expect(JSON.parse(manifest?.[0] ?? '{}')).toMatchObject({
      key: `${PREFIX}images/pets/img_0.jpg`,
      label: 'cat',
    });
    for (const day of [DAY, 'latest'])
      expect(await read(`${PREFIX}reports/pets/${day}/index.html`)).toContain('<html');
    await expect(read(`reports/pets/${DAY}/index.html`)).rejects.toThrow();
    await expect(read(`manifests/pets/${DAY}.jsonl`)).rejects.toThrow();
  });
});
