import { GetObjectCommand, ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoLabelStore } from '../../lambdas/adapters/aws/dynamo-label-store.ts';
import type { LabelledImage } from '../../lambdas/core/labels/labelled-image.ts';
import {
  type AwsClients,
  clientsFor,
  createPipelineResources,
  type PipelineResources,
} from './resources.ts';

let c: AwsClients;
let r: PipelineResources;

beforeAll(async () => {
  c = clientsFor(inject('awsEndpoint'));
  r = await createPipelineResources(c, `mf${Date.now()}`);
});

async function* labelledImages(n: number): AsyncGenerator<LabelledImage> {
  for (let i = 0; i < n; i++)
    yield {
      key: `images/pets/camera-${i % 7}/frame_${String(i).padStart(7, '0')}.jpg`,
      day: '2026-11-20',
      label: i % 3 ? 'cat' : 'dog',
      confidence: 0.75,
      prediction: 'cat',
      correct: i % 3 !== 0,
      source: 'labels/pets/big.csv',
    };
}

describe('retraining manifests on moto_server', () => {
  it('streams a day larger than one 5 MB part as a multipart upload and replaces it with a smaller one', async () => {
    const store = new DynamoLabelStore(c.db, r.table, c.s3, r.bucket);
    const read = async () => {
      const object = await c.s3.send(
        new GetObjectCommand({ Bucket: r.bucket, Key: 'manifests/pets/2026-11-20.jsonl' }),
      );
      return { object, lines: ((await object.Body?.transformToString()) ?? '').split('\n') };
    };

    await store.writeManifest('pets', '2026-11-20', labelledImages(80_000));
    const big = await read();
    expect(big.object.ContentLength).toBeGreaterThan(5 * 1024 * 1024);
    expect(big.object.ETag).toMatch(/-2"$/); // a multipart object of 2 parts
    expect(big.object.ContentType).toBe('application/x-ndjson');
    expect(big.lines).toHaveLength(80_001); // 80,000 lines and the final newline
    expect(JSON.parse(big.lines[79_999] ?? '')).toEqual({
      key: 'images/pets/camera-3/frame_0079999.jpg',
      label: 'cat',
      confidence: 0.75,
      prediction: 'cat',
      correct: true,
    });

    await store.writeManifest('pets', '2026-11-20', labelledImages(3));
    const small = await read();
    expect(small.lines).toHaveLength(4);
    expect(small.object.ETag).not.toContain('-');
    const open = await c.s3.send(new ListMultipartUploadsCommand({ Bucket: r.bucket }));
    expect(open.Uploads ?? []).toEqual([]);
  });
});
