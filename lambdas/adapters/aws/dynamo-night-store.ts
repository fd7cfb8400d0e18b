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

  async saveNight(record: NightRecord): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.night(record.dataset, record.day), record: JSON.stringify(record) },
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
    return Item ? (JSON.parse(Item.record as string) as NightRecord) : undefined;
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
