import {
  ConditionalCheckFailedException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { DatasetProfile } from '../../core/profile/dataset-profile.ts';
import { encodeProfile } from '../../core/profile/profile-codec.ts';
import { segmentScope } from '../../core/profile/segments.ts';
import type { CommitResult, ImageRecord, PartialCommitter } from '../../ports/partial-committer.ts';
import { REFERENCE_DAY } from '../../use-cases/profile-batch.ts';
import { compactPartials, partialSortKey } from './partial-rollup.ts';
import { keys } from './table-schema.ts';

/** DynamoDB transactions hold at most 100 items. */
const MAX_TRANSACTION_ITEMS = 100;
/** The dataset's partial and its activity marker. */
const ITEMS_PER_COMMIT = 2;
/** A segment's partial and its marker. */
const ITEMS_PER_SEGMENT = 2;

export interface CompactionOptions {
  /** About one commit in this many also folds the day's settled partials into its rollup. */
  readonly every: number;
  /**
   * How old a partial must be to be rolled up: longer than the profile function's timeout (a commit
   * can land at most that long after its key's timestamp), plus room for clock differences.
   */
  readonly settleSeconds: number;
}

/**
 * One TransactWriteItems per commit: the partial profile, a marker that the dataset had data that
 * day, per segment its partial (same sort key, under the segment's scope) and a marker that the
 * segment had data that day, and a conditional put per image record (attribute_not_exists), so a
 * redelivered image cancels the whole transaction, segments included, and the cancellation reasons
 * say which images were already counted.
 */
export class DynamoPartialCommitter implements PartialCommitter {
  readonly maxItemsPerCommit = MAX_TRANSACTION_ITEMS;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly options: {
      readonly now?: () => Date;
      readonly compaction?: CompactionOptions | undefined;
      /** Told when a compaction failed; the commit it followed stands and the next one retries. */
      readonly onCompactionError?: (error: Error) => void;
    } = {},
  ) {}

  /** The reference day writes no activity marker; counting it anyway keeps the bound simple. */
  itemsPerCommit(images: number, segments: number): number {
    return ITEMS_PER_COMMIT + ITEMS_PER_SEGMENT * segments + images;
  }

  async commitPartial(
    partial: Parameters<PartialCommitter['commitPartial']>[0],
  ): Promise<CommitResult> {
    const { dataset, day, partialKey, profile, records } = partial;
    const segments = [...(partial.segments ?? new Map<string, DatasetProfile>())];
    const now = this.options.now ?? (() => new Date());
    const sortKey = partialSortKey(now(), partialKey);
    const put = (Item: Record<string, unknown>) => ({ Put: { TableName: this.tableName, Item } });
    const partialItem = (scope: string, p: DatasetProfile) =>
      put({
        pk: keys.partials(scope, day),
        sk: sortKey,
        profile: encodeProfile(p),
        images: p.images,
      });
    const items = [
      partialItem(dataset, profile),
      ...(day === REFERENCE_DAY ? [] : [put(keys.active(day, dataset))]),
      ...segments.flatMap(([segment, p]) => [
        partialItem(segmentScope(dataset, segment), p),
        put(keys.segment(dataset, day, segment)),
      ]),
      ...records.map((r) => ({
        Put: {
          TableName: this.tableName,
          Item: { ...keys.image(dataset, r.key), ...recordAttributes(r) },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      })),
    ];
    if (items.length > MAX_TRANSACTION_ITEMS)
      throw new Error(
        `a commit of ${records.length} images from ${segments.length} segments needs ${items.length} transaction items; at most ${MAX_TRANSACTION_ITEMS}`,
      );
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      const offset = items.length - records.length;
      const alreadyCounted = records
        .filter((_, i) => reasons[offset + i]?.Code === 'ConditionalCheckFailed')
        .map((r) => r.key);
      // Cancelled for another reason (throttling, a conflicting transaction): let SQS retry.
      if (alreadyCounted.length === 0) throw error;
      return { committed: false, alreadyCounted };
    }
    const compaction = this.options.compaction;
    if (compaction && sampled(partialKey, compaction.every)) {
      const settledBefore = new Date(now().getTime() - compaction.settleSeconds * 1000);
      const scopes = [dataset, ...segments.map(([segment]) => segmentScope(dataset, segment))];
      for (const scope of scopes)
        await compactPartials(this.db, this.tableName, scope, day, settledBefore).catch(
          (error: Error) => this.options.onCompactionError?.(error),
        );
    }
    return { committed: true };
  }

  async updateModelOutputs(records: readonly ImageRecord[]): Promise<number> {
    let updated = 0;
    // A re-upload without a prediction is a copy, not a correction: the stored one stays.
    for (const r of records.filter((x) => x.prediction !== undefined))
      if (await updateModelOutput(this.db, this.tableName, r)) updated++;
    return updated;
  }
}

/**
 * One conditional UpdateItem per re-uploaded image: prediction, confidence and model version are
 * set (the last two removed when the upload has none: they belonged to the old prediction), and the
 * upload's sequencer with them; the condition refuses an older upload's event arriving late.
 */
async function updateModelOutput(
  db: DynamoDBDocumentClient,
  tableName: string,
  r: ImageRecord,
): Promise<boolean> {
  const values: Record<string, unknown> = { ':prediction': r.prediction };
  const set = ['prediction = :prediction'];
  const remove: string[] = [];
  for (const [attribute, value] of [
    ['confidence', r.confidence],
    ['modelVersion', r.modelVersion],
  ] as const) {
    if (value === undefined) remove.push(attribute);
    else {
      set.push(`${attribute} = :${attribute}`);
      values[`:${attribute}`] = value;
    }
  }
  let condition = 'attribute_exists(pk)';
  if (r.sequencer !== undefined) {
    set.push('sequencer = :sequencer');
    values[':sequencer'] = r.sequencer;
    condition += ' AND (attribute_not_exists(sequencer) OR sequencer <= :sequencer)';
  }
  try {
    await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.image(r.dataset, r.key),
        UpdateExpression: `SET ${set.join(', ')}${remove.length > 0 ? ` REMOVE ${remove.join(', ')}` : ''}`,
        ConditionExpression: condition,
        ExpressionAttributeValues: values,
      }),
    );
    return true;
  } catch (error) {
    // A later upload's prediction is stored already (or the record expired): nothing to correct.
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/** Whether a partial's (hex) content key falls in the 1-in-`every` share that triggers compaction. */
const sampled = (partialKey: string, every: number) =>
  Number.parseInt(partialKey.slice(0, 8), 16) % every === 0;

function recordAttributes(r: ImageRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {
    nameKey: keys.nameKey(r.dataset, r.key.split('/').pop() ?? r.key),
    dataset: r.dataset,
    key: r.key,
    day: r.day,
    capturedAt: r.capturedAt,
    expiresAt: r.expiresAt,
  };
  if (r.prediction !== undefined) out.prediction = r.prediction;
  if (r.confidence !== undefined) out.confidence = r.confidence;
  if (r.modelVersion !== undefined) out.modelVersion = r.modelVersion;
  if (r.segment !== undefined) out.segment = r.segment;
  if (r.unreadable !== undefined) out.unreadable = r.unreadable;
  if (r.sequencer !== undefined) out.sequencer = r.sequencer;
  return out;
}
