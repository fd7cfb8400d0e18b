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

  it('finds a bare file name through the byName index, and calls it ambiguous on several days', async () => {
    db.on(BatchGetCommand).resolves(batchGot());
    db.on(QueryCommand, { ExpressionAttributeValues: { ':name': 'pets#one.jpg' } }).resolves({
      Items: [
        { key: 'images/pets/1/one.jpg', day: '2026-11-01', prediction: 'dog', expiresAt: future },
      ],
    });
    db.on(QueryCommand, { ExpressionAttributeValues: { ':name': 'pets#twin.jpg' } }).resolves({
      Items: [{ key: 'a' }, { key: 'b' }],
    });
    db.on(QueryCommand, { ExpressionAttributeValues: { ':name': 'pets#nobody.jpg' } }).resolves({
      Items: [],
    });
    expect((await lookupOne('one.jpg'))?.status).toBe('matched');
    expect(await lookupOne('twin.jpg')).toEqual({
      status: 'ambiguous',
      candidates: 2,
    });
    expect(await lookupOne('https://cdn.example.com/x/nobody.jpg')).toEqual({
      status: 'unmatched',
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
      const asked = input.RequestItems.table.Keys as { pk: string }[];
      const later = asked.filter((k) => k.pk.endsWith('/img_5.jpg') && !deferred);
      deferred ||= later.length > 0;
      return {
        Responses: {
          table: asked
            .filter((k) => !later.includes(k))
            .map((k) => ({
              key: k.pk.split('#')[2],
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
