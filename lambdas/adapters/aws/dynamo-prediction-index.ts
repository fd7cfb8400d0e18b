import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import type { ItemRef } from '../../core/labels/item-ref.ts';
import { runInFlight } from '../../core/util/in-flight.ts';
import type { PredictionIndex, PredictionLookup } from '../../ports/prediction-index.ts';
import { unrolledPartialItems } from './partial-rollup.ts';
import { keys, TABLE_SCHEMA } from './table-schema.ts';

/** DynamoDB BatchGetItem reads at most 100 keys. */
const BATCH_GET_LIMIT = 100;
const MAX_RETRIES = 8;
/** BatchGetItem requests in flight at once (a join batch of 1,000 keys makes 10). */
const BATCH_GETS_IN_FLIGHT = 4;
/** Bare file names are looked up through the index one query each, this many at a time. */
const NAME_QUERIES_IN_FLIGHT = 16;

/**
 * Prediction records in the table: by key in batches, by bare file name through the byName index.
 * A record past its TTL that DynamoDB has not deleted yet counts as expired; once deleted, a label
 * for it is simply unmatched.
 */
export class DynamoPredictionIndex implements PredictionIndex {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => Date,
  ) {}

  async lookup(dataset: string, refs: readonly ItemRef[]): Promise<PredictionLookup[]> {
    const nowSeconds = this.now().getTime() / 1000;
    const byKey = await this.getByKeys(
      dataset,
      refs.flatMap((r) => (r.key ? [r.key] : [])),
    );
    const results = new Array<PredictionLookup>(refs.length);
    const byName: number[] = [];
    refs.forEach((ref, i) => {
      const item = ref.key ? byKey.get(ref.key) : undefined;
      if (item) results[i] = lookupOf(item, nowSeconds);
      else byName.push(i);
    });
    await runInFlight(byName.length, NAME_QUERIES_IN_FLIGHT, async (n) => {
      const i = byName[n] as number;
      results[i] = await this.lookupByName(dataset, refs[i] as ItemRef, nowSeconds);
    });
    return results;
  }

  /** Image records by key, 100 keys per BatchGetItem (a few in flight), retrying unprocessed keys. */
  private async getByKeys(dataset: string, imageKeys: readonly string[]) {
    const found = new Map<string, Record<string, unknown>>();
    const unique = [...new Set(imageKeys)];
    const batches = Math.ceil(unique.length / BATCH_GET_LIMIT);
    await runInFlight(batches, BATCH_GETS_IN_FLIGHT, async (b) => {
      let pending: Record<string, unknown>[] = unique
        .slice(b * BATCH_GET_LIMIT, (b + 1) * BATCH_GET_LIMIT)
        .map((key) => keys.image(dataset, key));
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 0) {
          if (attempt > MAX_RETRIES)
            throw new Error(
              `DynamoDB left ${pending.length} prediction reads unprocessed after retries`,
            );
          await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
        }
        const { Responses, UnprocessedKeys } = await this.db.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending } } }),
        );
        for (const item of Responses?.[this.tableName] ?? []) found.set(item.key as string, item);
        pending = UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      }
    });
    return found;
  }

  private async lookupByName(
    dataset: string,
    ref: ItemRef,
    nowSeconds: number,
  ): Promise<PredictionLookup> {
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
    // Every partial, not the rollup: partials are kept after they are rolled up.
    const partials = unrolledPartialItems(
      this.db,
      this.tableName,
      dataset,
      day,
      undefined,
      'images',
    );
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
      ...(typeof item.confidence === 'number' ? { confidence: item.confidence } : {}),
    },
  };
}
