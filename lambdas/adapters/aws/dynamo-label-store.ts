import { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
} from '@aws-sdk/lib-dynamodb';
import { Upload } from '@aws-sdk/lib-storage';
import type { LabelledImage } from '../../core/labels/labelled-image.ts';
import { manifestChunks } from '../../core/labels/retraining-manifest.ts';
import type { PerformanceRecord } from '../../core/performance/performance-record.ts';
import { runInFlight } from '../../core/util/in-flight.ts';
import type { LabelStore } from '../../ports/label-store.ts';
import { queryAll, queryItems } from './query-all.ts';
import { keys } from './table-schema.ts';

/** DynamoDB BatchWriteItem takes at most 25 requests. */
export const BATCH_WRITE_LIMIT = 25;
/** Batch writes in flight at once while saving labels. */
const WRITES_IN_FLIGHT = 8;

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Labels and performance in the table; retraining manifests as S3 objects under manifests/. */
export class DynamoLabelStore implements LabelStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly s3: S3Client,
    private readonly bucket: string,
    /** The prefix manifests/ lives under (core/util/key-prefix.ts). */
    private readonly prefix = '',
  ) {}

  async saveLabels(dataset: string, labelled: readonly LabelledImage[]): Promise<void> {
    const batches = chunk(labelled, BATCH_WRITE_LIMIT);
    // Sequential writes would leave a large file waiting on round trips (31,000 of them for
    // 779,000 images), not on DynamoDB: a few requests in flight overlap them.
    await runInFlight(batches.length, WRITES_IN_FLIGHT, async (b) => {
      let pending: Record<string, unknown>[] = (batches[b] as LabelledImage[]).map((l) => ({
        PutRequest: { Item: { ...keys.label(dataset, l.day, l.key), ...l } },
      }));
      for (let attempt = 0; pending.length > 0; attempt++) {
        const { UnprocessedItems } = await this.db.send(
          new BatchWriteCommand({ RequestItems: { [this.tableName]: pending as never } }),
        );
        pending = (UnprocessedItems?.[this.tableName] ?? []) as Record<string, unknown>[];
        if (pending.length > 0) {
          if (attempt >= 8)
            throw new Error(
              `DynamoDB left ${pending.length} label writes unprocessed after retries`,
            );
          await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
        }
      }
    });
  }

  async *labelsForDay(dataset: string, day: string): AsyncGenerator<LabelledImage> {
    const items = queryItems(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.labelsOn(dataset, day) },
      ConsistentRead: true,
    });
    for await (const item of items)
      yield {
        key: item.key,
        day: item.day,
        label: item.label,
        confidence: item.confidence,
        prediction: item.prediction,
        ...(typeof item.modelConfidence === 'number'
          ? { modelConfidence: item.modelConfidence }
          : {}),
        correct: item.correct,
        source: item.source,
      } as LabelledImage;
  }

  async savePerformance(record: PerformanceRecord): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.performance(record.dataset, record.day), record: JSON.stringify(record) },
      }),
    );
  }

  async loadPerformance(dataset: string, day: string): Promise<PerformanceRecord | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.performance(dataset, day),
        ConsistentRead: true,
      }),
    );
    return Item ? (JSON.parse(Item.record as string) as PerformanceRecord) : undefined;
  }

  async listPerformanceDays(dataset: string): Promise<string[]> {
    const items = await queryAll(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.performances(dataset) },
      ProjectionExpression: 'sk',
    });
    return items.map((i) => i.sk as string);
  }

  /** The day's retraining manifest, streamed to S3. */
  async writeManifest(
    dataset: string,
    day: string,
    labelled: AsyncIterable<LabelledImage>,
  ): Promise<void> {
    // A day of any size streams out: one PutObject up to 5 MB, a multipart upload above, with one
    // part in flight (lib-storage buffers at most queueSize × partSize).
    await new Upload({
      client: this.s3,
      params: {
        Bucket: this.bucket,
        Key: `${this.prefix}manifests/${dataset}/${day}.jsonl`,
        Body: Readable.from(manifestChunks(labelled)),
        ContentType: 'application/x-ndjson',
      },
      queueSize: 1,
    }).done();
  }
}
