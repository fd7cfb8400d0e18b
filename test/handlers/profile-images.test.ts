import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, NoSuchKey, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoPartialCommitter } from '../../lambdas/adapters/aws/dynamo-partial-committer.ts';
import { S3ObjectStore } from '../../lambdas/adapters/aws/s3-object-store.ts';
import { encodeJpeg, SharpDecoder } from '../../lambdas/adapters/sharp-codec.ts';
import { decodeProfile } from '../../lambdas/core/profile/profile-codec.ts';
import { defaultDeps, makeHandler } from '../../lambdas/handlers/profile-images.ts';
import type { ImageDecoder } from '../../lambdas/ports/image-decoder.ts';
import { pixelBudgetFor } from '../../lambdas/use-cases/pixel-budget.ts';
import { scene } from '../helpers/images.ts';
import { fakeContext, s3EventBody, sqsEvent } from '../helpers/lambda.ts';

const s3 = mockClient(S3Client);
const db = mockClient(DynamoDBDocumentClient);
const baseDeps = {
  bucket: 'driftwatch-data',
  objects: new S3ObjectStore(new S3Client({})),
  committer: new DynamoPartialCommitter(
    DynamoDBDocumentClient.from(new DynamoDBClient({})),
    'driftwatch-table',
  ),
  decoder: new SharpDecoder(),
  timeZone: 'Europe/Paris',
  recordTtlDays: 90,
  logger: new Logger({ logLevel: 'SILENT' }),
  metrics: new Metrics({ namespace: 'Test' }),
};
const handler = makeHandler(baseDeps);

let jpeg: Uint8Array;
beforeAll(async () => {
  jpeg = await encodeJpeg(scene(64, 48, 1));
});
afterEach(() => {
  s3.reset();
  db.reset();
  vi.restoreAllMocks();
});

const objectWith = (bytes: Uint8Array, metadata: Record<string, string> = {}) => ({
  Body: { transformToByteArray: async () => bytes } as never,
  Metadata: metadata,
});
type TransactInput = {
  TransactItems: {
    Put: { Item: Record<string, unknown>; ConditionExpression?: string };
  }[];
};
const transactCalls = () =>
  db.commandCalls(TransactWriteCommand).map((c) => c.args[0].input as unknown as TransactInput);
type PutInput = { Item: Record<string, unknown>; ConditionExpression?: string };
const putCalls = () => db.commandCalls(PutCommand).map((c) => c.args[0].input as PutInput);
/** The claims of image records (conditional puts) and the partial-level puts. */
const claims = () => putCalls().filter((p) => String(p.Item.pk).startsWith('IMAGE#'));
const partialPuts = () => putCalls().filter((p) => String(p.Item.pk).startsWith('PARTIAL#'));
/** No legacy records; every write succeeds. */
const tableAccepts = () => {
  db.on(BatchGetCommand).resolves({ Responses: {} });
  db.on(PutCommand).resolves({});
  db.on(TransactWriteCommand).resolves({});
};
/** The record another delivery claimed for a partial that was committed. */
const countedBefore = (key: string) =>
  new ConditionalCheckFailedException({
    message: 'The conditional request failed',
    $metadata: {},
    Item: {
      pk: { S: `IMAGE#pets#${key.split('/').pop()}` },
      sk: { S: key },
      dataset: { S: 'pets' },
      day: { S: '2026-11-27' },
      partialId: { S: 'p#2026-11-27T09:00:00.000Z#old' },
      claimedAt: { S: '2026-11-27T09:00:00.000Z' },
    },
  });

describe('profile-images handler', () => {
  it('claims a record per image under its file name, then commits one partial per dataset-day, skipping the S3 test event', async () => {
    // Prepare
    s3.on(GetObjectCommand, { Key: 'images/pets/cat 1.jpg' }).resolves(
      objectWith(jpeg, { prediction: 'cat', confidence: '0.93', 'model-version': 'v7' }),
    );
    s3.on(GetObjectCommand, { Key: 'images/pets/dog+2.jpg' }).resolves(
      objectWith(jpeg, { prediction: 'dog', 'captured-at': '2026-11-26T23:30:00Z' }),
    );
    tableAccepts();
    const event = sqsEvent([
      { messageId: 'm1', body: s3EventBody('images/pets/cat 1.jpg', '2026-11-27T23:30:00Z') },
      { messageId: 'm2', body: s3EventBody('images/pets/dog+2.jpg') },
      { messageId: 'm3', body: JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent' }) },
    ]);

    // Act
    const response = await handler(event, fakeContext);

    // Assess: in Paris (UTC+1) 23:30 UTC is 00:30 the next day, for the event time and for captured-at alike
    expect(response.batchItemFailures).toEqual([]);
    expect(transactCalls()).toHaveLength(0);
    const partials = Object.fromEntries(partialPuts().map((p) => [p.Item.pk, p.Item]));
    expect(Object.keys(partials).sort()).toEqual([
      'PARTIAL#pets#2026-11-27',
      'PARTIAL#pets#2026-11-28',
    ]);
    const catClaim = claims().find((c) => c.Item.sk === 'images/pets/cat 1.jpg');
    expect(catClaim).toMatchObject({
      Item: {
        pk: 'IMAGE#pets#cat 1.jpg',
        prediction: 'cat',
        confidence: 0.93,
        modelVersion: 'v7',
        day: '2026-11-28',
        partialId: partials['PARTIAL#pets#2026-11-28']?.sk,
      },
      ConditionExpression: 'attribute_not_exists(pk) OR partialId = :id',
    });
    expect(catClaim?.Item).not.toHaveProperty('nameKey');
    expect(putCalls().map((p) => p.Item)).toContainEqual({ pk: 'ACTIVE#2026-11-27', sk: 'pets' });
    // Records written before claims are looked for first, by their legacy key.
    const legacyKeys = db
      .commandCalls(BatchGetCommand)
      .flatMap((c) => Object.values(c.args[0].input.RequestItems ?? {}).flatMap((r) => r.Keys));
    expect(legacyKeys).toContainEqual({ pk: 'IMAGE#pets#images/pets/cat 1.jpg', sk: 'IMAGE' });
  });

  it('reports every message of the batch for retry when DynamoDB throttles the claims', async () => {
    s3.on(GetObjectCommand).resolves(objectWith(jpeg));
    db.on(BatchGetCommand).resolves({ Responses: {} });
    db.on(PutCommand).rejects(
      new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }),
    );
    const response = await handler(
      sqsEvent([
        { messageId: 'm1', body: s3EventBody('images/pets/a.jpg') },
        { messageId: 'm2', body: s3EventBody('images/pets/b.jpg') },
      ]),
      fakeContext,
    );
    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['m1', 'm2']);
  });

  it('leaves an image another delivery already counted out of the partial', async () => {
    s3.on(GetObjectCommand).resolves(objectWith(jpeg));
    tableAccepts();
    db.on(PutCommand, { Item: { sk: 'images/pets/a.jpg' } }).rejects(
      countedBefore('images/pets/a.jpg'),
    );
    // Its claim's partial exists: counted.
    db.on(GetCommand).resolves({ Item: { pk: 'PARTIAL#pets#2026-11-27' } });
    const response = await handler(
      sqsEvent([
        { messageId: 'm1', body: s3EventBody('images/pets/a.jpg') },
        { messageId: 'm2', body: s3EventBody('images/pets/b.jpg') },
      ]),
      fakeContext,
    );
    expect(response.batchItemFailures).toEqual([]);
    expect(db.commandCalls(GetCommand)[0]?.args[0].input.Key).toEqual({
      pk: 'PARTIAL#pets#2026-11-27',
      sk: 'p#2026-11-27T09:00:00.000Z#old',
    });
    const [partial] = partialPuts();
    expect(decodeProfile(partial?.Item.profile as Uint8Array).images).toBe(1);
  });

  it('counts an object deleted before processing as unreadable instead of retrying it forever', async () => {
    s3.on(GetObjectCommand).rejects(
      new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} }),
    );
    tableAccepts();
    const response = await handler(
      sqsEvent([{ messageId: 'm1', body: s3EventBody('images/pets/gone.jpg') }]),
      fakeContext,
    );
    expect(response.batchItemFailures).toEqual([]);
    const profile = decodeProfile(partialPuts()[0]?.Item.profile as Uint8Array);
    expect(profile.unreadable).toEqual({ 'read-failed': 1 });
    expect(claims()[0]?.Item).toMatchObject({
      key: 'images/pets/gone.jpg',
      unreadable: 'read-failed',
    });
  });

  it('retries only the message whose object S3 could not serve', async () => {
    s3.on(GetObjectCommand, { Key: 'images/pets/slow.jpg' }).rejects(
      new S3ServiceException({
        name: 'SlowDown',
        $fault: 'server',
        message: 'Please reduce your request rate.',
        $metadata: { httpStatusCode: 503 },
      }),
    );
    s3.on(GetObjectCommand, { Key: 'images/pets/ok.jpg' }).resolves(objectWith(jpeg));
    tableAccepts();
    const response = await handler(
      sqsEvent([
        { messageId: 'slow', body: s3EventBody('images/pets/slow.jpg') },
        { messageId: 'ok', body: s3EventBody('images/pets/ok.jpg') },
      ]),
      fakeContext,
    );
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'slow' }]);
    expect(partialPuts()).toHaveLength(1);
    expect(claims().map((c) => c.Item.key)).toEqual(['images/pets/ok.jpg']);
  });

  it('fails a message that is not an S3 event, so it ends in the DLQ, and ignores keys outside the prefixes', async () => {
    tableAccepts();
    const response = await handler(
      sqsEvent([
        { messageId: 'junk', body: 'not json' },
        { messageId: 'other', body: s3EventBody('somewhere/else.jpg') },
      ]),
      fakeContext,
    );
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'junk' }]);
    expect(s3).toHaveReceivedCommandTimes(GetObjectCommand, 0);
  });

  it('commits the partial and marker of each segment in one transaction with the whole, and a record that names the segment', async () => {
    s3.on(GetObjectCommand, { Key: 'images/pets/a.jpg' }).resolves(
      objectWith(jpeg, { segment: 'cam07' }),
    );
    s3.on(GetObjectCommand, { Key: 'images/pets/b.jpg' }).resolves(
      objectWith(jpeg, { segment: 'cam07' }),
    );
    s3.on(GetObjectCommand, { Key: 'images/pets/c.jpg' }).resolves(objectWith(jpeg));
    tableAccepts();
    const response = await handler(
      sqsEvent(
        ['a', 'b', 'c'].map((n) => ({ messageId: n, body: s3EventBody(`images/pets/${n}.jpg`) })),
      ),
      fakeContext,
    );

    expect(response.batchItemFailures).toEqual([]);
    const items = transactCalls()[0]?.TransactItems.map((t) => t.Put.Item) ?? [];
    expect(items.map((i) => i.pk)).toEqual([
      'PARTIAL#pets#2026-11-27',
      'PARTIAL#pets/cam07#2026-11-27',
      'ACTIVE#2026-11-27',
      'SEGMENTS#pets#2026-11-27',
    ]);
    // The segment's partial has the whole partial's sort key, so both sort alike at night.
    expect(items[1]?.sk).toBe(items[0]?.sk);
    expect(decodeProfile(items[0]?.profile as Uint8Array).images).toBe(3);
    const segment = decodeProfile(items[1]?.profile as Uint8Array);
    expect([segment.dataset, segment.images]).toEqual(['pets/cam07', 2]);
    expect(items[3]).toEqual({ pk: 'SEGMENTS#pets#2026-11-27', sk: 'cam07' });
    const records = Object.fromEntries(claims().map((c) => [c.Item.key, c.Item]));
    expect(records['images/pets/a.jpg']).toMatchObject({
      segment: 'cam07',
      partialId: items[0]?.sk,
    });
    expect(records['images/pets/c.jpg']).not.toHaveProperty('segment');
  });

  it('rebuilds the segment partials without an image another delivery already counted', async () => {
    s3.on(GetObjectCommand, { Key: 'images/pets/a.jpg' }).resolves(
      objectWith(jpeg, { segment: 'cam1' }),
    );
    s3.on(GetObjectCommand, { Key: 'images/pets/b.jpg' }).resolves(
      objectWith(jpeg, { segment: 'cam2' }),
    );
    tableAccepts();
    db.on(PutCommand, { Item: { sk: 'images/pets/a.jpg' } }).rejects(
      countedBefore('images/pets/a.jpg'),
    );
    db.on(GetCommand).resolves({ Item: { pk: 'PARTIAL#pets#2026-11-27' } });
    const response = await handler(
      sqsEvent(
        ['a', 'b'].map((n) => ({ messageId: n, body: s3EventBody(`images/pets/${n}.jpg`) })),
      ),
      fakeContext,
    );

    expect(response.batchItemFailures).toEqual([]);
    expect(transactCalls()).toHaveLength(1);
    expect(transactCalls()[0]?.TransactItems.map((t) => t.Put.Item.pk)).toEqual([
      'PARTIAL#pets#2026-11-27',
      'PARTIAL#pets/cam2#2026-11-27',
      'ACTIVE#2026-11-27',
      'SEGMENTS#pets#2026-11-27',
    ]);
  });

  it('keeps every transaction within 100 items when one batch holds many cameras', async () => {
    const cameras = 60;
    s3.on(GetObjectCommand).callsFake((input: { Key: string }) =>
      objectWith(jpeg, { segment: `cam${Number(/(\d+)\.jpg$/.exec(input.Key)?.[1]) % cameras}` }),
    );
    tableAccepts();
    const response = await handler(
      sqsEvent(
        Array.from({ length: 150 }, (_, i) => ({
          messageId: `m${i}`,
          body: s3EventBody(`images/pets/${i}.jpg`),
        })),
      ),
      fakeContext,
    );

    expect(response.batchItemFailures).toEqual([]);
    const calls = transactCalls();
    expect(Math.max(...calls.map((c) => c.TransactItems.length))).toBeLessThanOrEqual(100);
    expect(new Set(claims().map((c) => c.Item.sk)).size).toBe(150);
    // Each camera's images land in its partials exactly once, whichever commits they went to.
    const items = calls.flatMap((c) => c.TransactItems.map((t) => t.Put.Item));
    const perCamera = new Map<string, number>();
    for (const item of items.filter((i) => (i.pk as string).startsWith('PARTIAL#pets/')))
      perCamera.set(
        item.pk as string,
        (perCamera.get(item.pk as string) ?? 0) + decodeProfile(item.profile as Uint8Array).images,
      );
    expect(perCamera.size).toBe(cameras);
    expect([...perCamera.values()].reduce((a, b) => a + b, 0)).toBe(150);
  });

  it('reads segments.fromKey from MONITOR_CONFIG and fails a bad config at cold start', () => {
    const env = { TABLE_NAME: 't', BUCKET_NAME: 'b', AWS_REGION: 'us-east-1' };
    expect(defaultDeps(env).segments).toEqual({ fromKey: false });
    const fromKey = { ...env, MONITOR_CONFIG: JSON.stringify({ segments: { fromKey: true } }) };
    expect(defaultDeps(fromKey).segments).toEqual({ fromKey: true });
    expect(() => defaultDeps({ ...env, MONITOR_CONFIG: '{"segments": {"fromKey": 1}}' })).toThrow();
  });

  it('needs BUCKET_NAME and bounds the pixels in flight by the memory unless MAX_PIXELS_IN_FLIGHT says otherwise', () => {
    const env = { TABLE_NAME: 't', BUCKET_NAME: 'b', AWS_REGION: 'us-east-1' };
    expect(() => defaultDeps({ ...env, BUCKET_NAME: '' })).toThrow(/BUCKET_NAME is required/);
    expect(defaultDeps(env).bucket).toBe('b');
    const big = defaultDeps({ ...env, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '3538' }).maxPixelsInFlight;
    const small = defaultDeps({
      ...env,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1769',
    }).maxPixelsInFlight;
    expect(big).toBe(pixelBudgetFor(3538));
    expect(small).toBe(pixelBudgetFor(1769));
    expect(defaultDeps({ ...env, MAX_PIXELS_IN_FLIGHT: '200000000' }).maxPixelsInFlight).toBe(2e8);
    expect(() => defaultDeps({ ...env, MAX_PIXELS_IN_FLIGHT: 'lots' })).toThrow(
      /MAX_PIXELS_IN_FLIGHT must be a positive number/,
    );
  });
});

describe('profile-images handler against hostile events', () => {
  const metricsOf = (m: Metrics) => {
    const added: Record<string, number> = {};
    vi.spyOn(m, 'addMetric').mockImplementation((name: string, _unit, value: number) => {
      added[name] = (added[name] ?? 0) + value;
      return m;
    });
    return added;
  };

  it('never reads an object of another bucket: the event is ignored and counted', async () => {
    const metrics = new Metrics({ namespace: 'Test' });
    const added = metricsOf(metrics);
    const guarded = makeHandler({ ...baseDeps, metrics });
    s3.on(GetObjectCommand).resolves(objectWith(jpeg));
    tableAccepts();

    const response = await guarded(
      sqsEvent([
        { messageId: 'm1', body: s3EventBody('images/pets/a.jpg', undefined, 'someone-else') },
        { messageId: 'm2', body: s3EventBody('images/pets/b.jpg') },
      ]),
      fakeContext,
    );

    expect(response.batchItemFailures).toEqual([]);
    expect(s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input)).toEqual([
      { Bucket: 'driftwatch-data', Key: 'images/pets/b.jpg' },
    ]);
    expect(added.EventsFromOtherBuckets).toBe(1);
    expect(added.ImagesProfiled).toBe(1);
  });

  it('refuses a dataset name that is too long or not plain, without reading the object', async () => {
    const metrics = new Metrics({ namespace: 'Test' });
    const added = metricsOf(metrics);
    const guarded = makeHandler({ ...baseDeps, metrics });
    s3.on(GetObjectCommand).resolves(objectWith(jpeg));
    tableAccepts();

    const response = await guarded(
      sqsEvent([
        { messageId: 'm1', body: s3EventBody(`images/${'d'.repeat(1000)}/a.jpg`) },
        { messageId: 'm2', body: s3EventBody('images/pe\u202Ets/a.jpg') },
        { messageId: 'm3', body: s3EventBody('images/pets/a.jpg') },
      ]),
      fakeContext,
    );

    expect(response.batchItemFailures).toEqual([]);
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(1);
    expect(added.DatasetNamesRefused).toBe(2);
    expect(partialPuts().map((p) => p.Item.pk)).toContain('PARTIAL#pets#2026-11-27');
  });

  it('reports an image another delivery holds for retry, counting neither it nor its claim', async () => {
    const metrics = new Metrics({ namespace: 'Test' });
    const added = metricsOf(metrics);
    const guarded = makeHandler({ ...baseDeps, metrics });
    s3.on(GetObjectCommand).resolves(objectWith(jpeg));
    tableAccepts();
    // Claimed a moment ago for a partial that does not exist (yet): that attempt may still commit.
    db.on(PutCommand, { Item: { sk: 'images/pets/a.jpg' } }).rejects(
      new ConditionalCheckFailedException({
        message: 'The conditional request failed',
        $metadata: {},
        Item: {
          dataset: { S: 'pets' },
          day: { S: '2026-11-27' },
          partialId: { S: 'p#in-flight' },
          claimedAt: { S: new Date().toISOString() },
        },
      }),
    );
    db.on(GetCommand).resolves({});

    const response = await guarded(
      sqsEvent([
        { messageId: 'm1', body: s3EventBody('images/pets/a.jpg') },
        { messageId: 'm2', body: s3EventBody('images/pets/b.jpg') },
      ]),
      fakeContext,
    );

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    expect(added.ImagesClaimedElsewhere).toBe(1);
    expect(added.ImagesProfiled).toBe(1);
    expect(decodeProfile(partialPuts()[0]?.Item.profile as Uint8Array).images).toBe(1);
    // Taken over only once the lease has run out: one conditional put for `a`, no second.
    expect(claims().filter((c) => c.Item.sk === 'images/pets/a.jpg')).toHaveLength(1);
  });

  it('counts an image above the size limit as unreadable (too-large) from its Content-Length, never reading its body', async () => {
    const metrics = new Metrics({ namespace: 'Test' });
    const added = metricsOf(metrics);
    const guarded = makeHandler({
      ...baseDeps,
      metrics,
      objectLimits: { imageBytes: 1000, profileBytes: 1000 },
    });
    const read = vi.fn(async () => jpeg);
    const destroy = vi.fn();
    s3.on(GetObjectCommand).resolves({
      Body: { transformToByteArray: read, destroy } as never,
      ContentLength: 5_000_000_000,
      Metadata: { 'captured-at': '2026-11-20T10:00:00Z', prediction: 'cat' },
    });
    tableAccepts();

    const response = await guarded(
      sqsEvent([{ messageId: 'm1', body: s3EventBody('images/pets/huge.png') }]),
      fakeContext,
    );

    expect(response.batchItemFailures).toEqual([]);
    expect(read).not.toHaveBeenCalled();
    expect(destroy).toHaveBeenCalled();
    expect(added.ObjectsTooLarge).toBe(1);
    expect(added.ImagesUnreadable).toBe(1);
    // Its metadata still puts it on its own day, with its prediction.
    expect(claims()[0]?.Item).toMatchObject({
      day: '2026-11-20',
      prediction: 'cat',
      unreadable: 'too-large',
    });
  });

  it('decodes no more pixels at once than the budget, whatever the batch processor runs in parallel', async () => {
    let inFlight = 0;
    let peak = 0;
    const decoder = new SharpDecoder();
    const counting: ImageDecoder = {
      // Each file claims 7000 × 7000 pixels; the budget fits one such image and a half.
      pixelsOf: async () => 49_000_000,
      decode: async (bytes) => {
        inFlight += 49_000_000;
        peak = Math.max(peak, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 20));
        inFlight -= 49_000_000;
        return decoder.decode(bytes);
      },
    };
    const guarded = makeHandler({ ...baseDeps, decoder: counting, maxPixelsInFlight: 75_000_000 });
    s3.on(GetObjectCommand).resolves(objectWith(jpeg));
    tableAccepts();

    const response = await guarded(
      sqsEvent(
        Array.from({ length: 10 }, (_, i) => ({
          messageId: `m${i}`,
          body: s3EventBody(`images/pets/${i}.png`),
        })),
      ),
      fakeContext,
    );

    expect(response.batchItemFailures).toEqual([]);
    expect(peak).toBe(49_000_000);
    expect(claims()).toHaveLength(10);
    expect(partialPuts()).toHaveLength(1);
  });

  it('reads at most ten objects at once, however large the batch', async () => {
    let reading = 0;
    let peak = 0;
    s3.on(GetObjectCommand).callsFake(async () => {
      reading++;
      peak = Math.max(peak, reading);
      await new Promise((resolve) => setTimeout(resolve, 5));
      reading--;
      return objectWith(jpeg);
    });
    tableAccepts();

    const response = await handler(
      sqsEvent(
        Array.from({ length: 40 }, (_, i) => ({
          messageId: `m${i}`,
          body: s3EventBody(`images/pets/${i}.jpg`),
        })),
      ),
      fakeContext,
    );

    expect(response.batchItemFailures).toEqual([]);
    expect(peak).toBeLessThanOrEqual(10);
    expect(claims()).toHaveLength(40);
  });
});
