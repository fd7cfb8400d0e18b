import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { ItemRef } from '../../core/labels/item-ref.ts';
import type { PredictionIndex, PredictionLookup } from '../../ports/prediction-index.ts';
import { queryItems } from './query-all.ts';
import { keys, TABLE_SCHEMA } from './table-schema.ts';

/**
 * Prediction records in the table: by key with a Get, by bare file name through the byName index.
 * A record past its TTL that DynamoDB has not deleted yet counts as expired; once deleted, a label
 * for it is simply unmatched.
 */
export class DynamoPredictionIndex implements PredictionIndex {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => Date,
  ) {}

  async lookup(dataset: string, ref: ItemRef): Promise<PredictionLookup> {
    const nowSeconds = this.now().getTime() / 1000;
    if (ref.key) {
      const { Item } = await this.db.send(
        new GetCommand({ TableName: this.tableName, Key: keys.image(dataset, ref.key) }),
      );
      if (Item) return lookupOf(Item, nowSeconds);
    }
    const { Items = [] } = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: TABLE_SCHEMA.nameIndex.indexName,
        KeyConditionExpression: `${TABLE_SCHEMA.nameIndex.partitionKey} = :name`,
        ExpressionAttributeValues: { ':name': keys.nameKey(dataset, ref.fileName) },
        Limit: 10,
      }),
    );
    if (Items.length > 1) return { status: 'ambiguous', candidates: Items.length };
    const item = Items[0];
    return item ? lookupOf(item, nowSeconds) : { status: 'unmatched' };
  }

  async imagesOnDay(dataset: string, day: string): Promise<number> {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.day(dataset, day),
        ProjectionExpression: 'images',
      }),
    );
    if (Item) return Item.images as number;
    // Labels can arrive before the night merged the day: add up the partials (a day has many pages).
    let images = 0;
    const partials = queryItems(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.partials(dataset, day) },
      ProjectionExpression: 'images',
    });
    for await (const partial of partials) images += (partial.images as number) ?? 0;
    return images;
  }
}

/** An image record found by key or by name: expired past its TTL, else matched. */
function lookupOf(item: Record<string, unknown>, nowSeconds: number): PredictionLookup {
  if ((item.expiresAt as number) < nowSeconds) return { status: 'expired' };
  return {
    status: 'matched',
    record: {
      key: item.key as string,
      day: item.day as string,
      prediction: item.prediction as string | undefined,
    },
  };
}
