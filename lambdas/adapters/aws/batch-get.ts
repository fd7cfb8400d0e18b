import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { runInFlight } from '../../core/util/in-flight.ts';

/** DynamoDB BatchGetItem reads at most 100 keys. */
const BATCH_GET_LIMIT = 100;
const MAX_RETRIES = 8;
/** BatchGetItem requests in flight at once (1,000 keys make 10). */
const BATCH_GETS_IN_FLIGHT = 4;

/**
 * The items stored under `itemKeys` (those that exist, in no particular order): 100 keys per
 * BatchGetItem, a few in flight, unprocessed keys retried with backoff. Eventually consistent.
 */
export async function batchGetItems(
  db: DynamoDBDocumentClient,
  tableName: string,
  itemKeys: readonly Record<string, string>[],
  projection?: string,
): Promise<Record<string, unknown>[]> {
  const found: Record<string, unknown>[] = [];
  const batches = Math.ceil(itemKeys.length / BATCH_GET_LIMIT);
  await runInFlight(batches, BATCH_GETS_IN_FLIGHT, async (b) => {
    let pending: Record<string, unknown>[] = itemKeys.slice(
      b * BATCH_GET_LIMIT,
      (b + 1) * BATCH_GET_LIMIT,
    );
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) {
        if (attempt > MAX_RETRIES)
          throw new Error(`DynamoDB left ${pending.length} reads unprocessed after retries`);
        await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
      }
      const { Responses, UnprocessedKeys } = await db.send(
        new BatchGetCommand({
          RequestItems: {
            [tableName]: {
              Keys: pending,
              ...(projection ? { ProjectionExpression: projection } : {}),
            },
          },
        }),
      );
      found.push(...(Responses?.[tableName] ?? []));
      pending = UnprocessedKeys?.[tableName]?.Keys ?? [];
    }
  });
  return found;
}
