import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { ItemRef } from '../../core/labels/item-ref.ts';
import { runInFlight } from '../../core/util/in-flight.ts';
import type { PredictionIndex, PredictionLookup } from '../../ports/prediction-index.ts';
import { batchGetItems } from './batch-get.ts';
import { unrolledPartialItems } from './partial-rollup.ts';
import { keys, TABLE_SCHEMA } from './table-schema.ts';

/** Bare file names are looked up one query each, this many at a time. */
const NAME_QUERIES_IN_FLIGHT = 16;
/** Enough to tell one record from several. */
const NAME_QUERY_LIMIT = 10;

/**
 * Prediction records in the table: by key in batches (the key gives the record's partition and
 * sort key), by bare file name with one Query on the name's partition. Records from before claims
 * (legacy layout, until their TTL) are found by their own key and through the byName index when
 * the new layout has none. A record past its TTL that DynamoDB has not deleted yet counts as
 * expired; once deleted, a label for it is simply unmatched.
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

  /** Image records by key (BatchGetItem), and the legacy records of the keys not found so. */
  private async getByKeys(dataset: string, imageKeys: readonly string[]) {
    const found = new Map<string, Record<string, unknown>>();
    const unique = [...new Set(imageKeys)];
    const current = await batchGetItems(
      this.db,
      this.tableName,
      unique.map((key) => keys.image(dataset, key)),
    );
    for (const item of current) found.set(item.key as string, item);
    const missing = unique.filter((key) => !found.has(key));
    const legacy = await batchGetItems(
      this.db,
      this.tableName,
      missing.map((key) => keys.legacyImage(dataset, key)),
    );
    for (const item of legacy) found.set(item.key as string, item);
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
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.imagesNamed(dataset, ref.fileName) },
        Limit: NAME_QUERY_LIMIT,
      }),
    );
    // Legacy records of that name (none once the retention period after the upgrade has passed).
    const legacy =
      Items.length > 1
        ? []
        : ((
            await this.db.send(
              new QueryCommand({
                TableName: this.tableName,
                IndexName: TABLE_SCHEMA.nameIndex.indexName,
                KeyConditionExpression: `${TABLE_SCHEMA.nameIndex.partitionKey} = :name`,
                ExpressionAttributeValues: { ':name': keys.nameKey(dataset, ref.fileName) },
                Limit: NAME_QUERY_LIMIT,
              }),
            )
          ).Items ?? []);
    const candidates = [...Items, ...legacy];
    if (candidates.length > 1) return { status: 'ambiguous', candidates: candidates.length };
    const item = candidates[0];
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
