import { gunzipSync, gzipSync } from 'node:zlib';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
} from '@aws-sdk/lib-dynamodb';
import type { DigestClaim, NightRecord, NightStore } from '../../ports/night-store.ts';
import { keys } from './table-schema.ts';

export class DynamoNightStore implements NightStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Gzipped JSON: a fleet's night (hundreds of segment alerts) stays far below the 400 KB item limit. */
  async saveNight(record: NightRecord): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...keys.night(record.dataset, record.day),
          record: gzipSync(JSON.stringify(record)),
        },
      }),
    );
  }

  async loadNight(dataset: string, day: string): Promise<NightRecord | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.night(dataset, day),
        ConsistentRead: true,
      }),
    );
    if (!Item) return undefined;
    // Records written before compression hold the JSON as a string.
    const stored = Item.record as string | Uint8Array;
    const json = typeof stored === 'string' ? stored : gunzipSync(stored).toString('utf8');
    return JSON.parse(json) as NightRecord;
  }

  /** A conditional put: succeeds unless the same fingerprint is already there. */
  async claimDigest(dataset: string, day: string, fingerprint: string): Promise<DigestClaim> {
    try {
      const { Attributes } = await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.digest(dataset, day), fingerprint },
          ConditionExpression: 'attribute_not_exists(pk) OR fingerprint <> :fingerprint',
          ExpressionAttributeValues: { ':fingerprint': fingerprint },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return Attributes ? 'update' : 'new';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'duplicate';
      throw error;
    }
  }

  async releaseDigest(dataset: string, day: string, fingerprint: string): Promise<void> {
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: keys.digest(dataset, day),
          ConditionExpression: 'fingerprint = :fingerprint',
          ExpressionAttributeValues: { ':fingerprint': fingerprint },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}
