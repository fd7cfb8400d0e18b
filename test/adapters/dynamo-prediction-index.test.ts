import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { DynamoPredictionIndex } from '../../lambdas/adapters/aws/dynamo-prediction-index.ts';
import { parseItemRef } from '../../lambdas/core/labels/item-ref.ts';

const db = mockClient(DynamoDBDocumentClient);
const now = new Date('2026-11-28T00:00:00Z');
const index = new DynamoPredictionIndex(
  DynamoDBDocumentClient.from(new DynamoDBClient({})),
  'table',
  () => now,
);
const future = now.getTime() / 1000 + 86_400;
const lookupOne = async (ref: string) => (await index.lookup('pets', [parseItemRef(ref)]))[0];
/** A BatchGetItem answer holding these image records. */
const batchGot = (...items: Record<string, unknown>[]) => ({ Responses: { table: items } });
afterEach(() => db.reset());

describe('DynamoPredictionIndex', () => {
  it('matches an s3:// URL by key', async () => {
    db.on(BatchGetCommand).resolves(
      batchGot({
        key: 'images/pets/a.jpg',
        day: '2026-11-27',
        prediction: 'cat',
        expiresAt: future,
      }),
    );
    expect(await lookupOne('s3://bucket/images/pets/a.jpg')).toEqual({
      status: 'matched',
      record: { key: 'images/pets/a.jpg', day: '2026-11-27', prediction: 'cat' },
    });
  });

  it('counts a record past its TTL (not yet deleted by DynamoDB) as expired', async () => {
    db.on(BatchGetCommand).resolves(
      batchGot({
        key: 'images/pets/old.jpg',
        day: '2026-08-01',
        prediction: 'cat',
        expiresAt: now.getTime() / 1000 - 1,
      }),
    );
    expect(await lookupOne('images/pets/old.jpg')).toEqual({
      status: 'expired',
    });
  });

  it('finds a bare file name with one query on its partition, and calls it ambiguous on several days', async () => {
    db.on(BatchGetCommand).resolves(batchGot());
    db.on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'IMAGE#pets#one.jpg' } }).resolves({
      Items: [
        { key: 'images/pets/1/one.jpg', day: '2026-11-01', prediction: 'dog', expiresAt: future },
      ],
    });
    db.on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'IMAGE#pets#twin.jpg' } }).resolves({
      Items: [{ key: 'a' }, { key: 'b' }],
    });
    db.on(QueryCommand, { IndexName: 'byName' }).resolves({ Items: [] });
    db.on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'IMAGE#pets#nobody.jpg' } }).resolves(
      { Items: [] },
    );
    expect((await lookupOne('one.jpg'))?.status).toBe('matched');
    expect(await lookupOne('twin.jpg')).toEqual({
      status: 'ambiguous',
      candidates: 2,
    });
    expect(await lookupOne('https://cdn.example.com/x/nobody.jpg')).toEqual({
      status: 'unmatched',
    });
  });

  it('finds a record from before claims by its legacy key and through the byName index', async () => {
    const legacy = {
      key: 'images/pets/old/a.jpg',
      day: '2026-10-01',
      prediction: 'cat',
      expiresAt: future,
    };
    db.on(BatchGetCommand).callsFake((input) => {
      const asked = input.RequestItems.table.Keys as { pk: string; sk: string }[];
      return batchGot(...(asked.some((k) => k.sk === 'IMAGE') ? [legacy] : []));
    });
    db.on(QueryCommand, { IndexName: 'byName' }).resolves({ Items: [legacy] });
    db.on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'IMAGE#pets#a.jpg' } }).resolves({
      Items: [],
    });
    const matched = {
      status: 'matched',
      record: { key: legacy.key, day: '2026-10-01', prediction: 'cat' },
    };
    expect(await lookupOne('images/pets/old/a.jpg')).toEqual(matched);
    expect(await lookupOne('a.jpg')).toEqual(matched);
    expect(db.commandCalls(QueryCommand, { IndexName: 'byName' })[0]?.args[0].input).toMatchObject({
      ExpressionAttributeValues: { ':name': 'pets#a.jpg' },
    });
  });

  it('counts the images of a day not merged yet across every page of its partials, older keys included', async () => {
    db.on(GetCommand).resolves({});
    db.on(QueryCommand, { ExpressionAttributeValues: { ':lower': 'p#' } })
      .resolvesOnce({
        Items: [{ images: 10 }, { images: 10 }],
        LastEvaluatedKey: { pk: 'p', sk: '2' },
      })
      .resolvesOnce({ Items: [{ images: 7 }] });
    // A partial written before rollups existed (a bare hash key, read by its own query).
    db.on(QueryCommand, { ExpressionAttributeValues: { ':prefix': 'p#' } }).resolves({
      Items: [{ images: 3 }],
    });
    expect(await index.imagesOnDay('pets', '2026-11-27')).toBe(30);
  });

  it('reads keys 100 per request, retries what DynamoDB left unprocessed and answers in order', async () => {
    let deferred = false;
    db.on(BatchGetCommand).callsFake((input) => {
      const asked = input.RequestItems.table.Keys as { pk: string; sk: string }[];
      const later = asked.filter((k) => k.sk.endsWith('/img_5.jpg') && !deferred);
      deferred ||= later.length > 0;
      return {
        Responses: {
          table: asked
            .filter((k) => !later.includes(k))
            .map((k) => ({
              key: k.sk,
              day: '2026-11-27',
              prediction: 'cat',
              expiresAt: future,
            })),
        },
        UnprocessedKeys: later.length ? { table: { Keys: later } } : undefined,
      };
    });
    db.on(QueryCommand).resolves({ Items: [] });
    const refs = [
      ...Array.from({ length: 230 }, (_, i) => parseItemRef(`images/pets/img_${i}.jpg`)),
      parseItemRef('bare.jpg'),
    ];
    const results = await index.lookup('pets', refs);
    expect(results).toHaveLength(231);
    expect(
      results
        .slice(0, 230)
        .every((r, i) => r.status === 'matched' && r.record.key === `images/pets/img_${i}.jpg`),
    ).toBe(true);
    expect(results[230]).toEqual({ status: 'unmatched' });
    expect(db.commandCalls(BatchGetCommand)).toHaveLength(4);
  });
});
