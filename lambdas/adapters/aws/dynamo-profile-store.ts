import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { type DatasetProfile, mergeStream } from '../../core/profile/dataset-profile.ts';
import { decodeProfile, encodeProfile } from '../../core/profile/profile-codec.ts';
import type { ProfileStore } from '../../ports/profile-store.ts';
import { REFERENCE_DAY } from '../../use-cases/profile-batch.ts';
import { readRollup, unrolledPartialItems } from './partial-rollup.ts';
import { queryAll } from './query-all.ts';
import { keys } from './table-schema.ts';

/** Partial, day and reference profiles in the table. The reference is the merge of its partials. */
export class DynamoProfileStore implements ProfileStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * The day's rollup (the merge of its settled partials), then any partials from before rollups
   * existed and the partials committed since the rollup, in key order; one query page (at most
   * 1 MB) is held at a time.
   */
  async *partials(dataset: string, day: string): AsyncGenerator<DatasetProfile> {
    const rollup = await readRollup(this.db, this.tableName, dataset, day);
    if (rollup) yield rollup.profile;
    const items = unrolledPartialItems(this.db, this.tableName, dataset, day, rollup?.watermark);
    for await (const item of items) yield decodeProfile(item.profile as Uint8Array);
  }

  async saveDayProfile(dataset: string, day: string, profile: DatasetProfile): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...keys.day(dataset, day),
          profile: encodeProfile(profile),
          images: profile.images,
        },
      }),
    );
  }

  async loadDayProfile(dataset: string, day: string): Promise<DatasetProfile | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.day(dataset, day),
        ConsistentRead: true,
      }),
    );
    return Item ? decodeProfile(Item.profile as Uint8Array) : undefined;
  }

  async listDays(dataset: string): Promise<string[]> {
    const items = await queryAll(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.days(dataset) },
      ProjectionExpression: 'sk',
    });
    return items.map((item) => item.sk as string);
  }

  async loadReference(dataset: string): Promise<DatasetProfile | undefined> {
    return mergeStream(this.partials(dataset, REFERENCE_DAY));
  }

  /** The segments whose markers the day's commits wrote (one per segment however often). */
  async segmentsOn(dataset: string, day: string): Promise<string[]> {
    const items = await queryAll(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.segmentsOn(dataset, day) },
      ProjectionExpression: 'sk',
    });
    return items.map((item) => item.sk as string);
  }

  /** Datasets that received images on a day (for the nightly run). */
  async datasetsActiveOn(day: string): Promise<string[]> {
    const items = await queryAll(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.activeOn(day) },
    });
    return items.map((item) => item.sk as string);
  }
}
