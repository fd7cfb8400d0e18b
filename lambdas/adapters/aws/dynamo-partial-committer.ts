import { randomBytes } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DatasetProfile } from '../../core/profile/dataset-profile.ts';
import { encodeProfile } from '../../core/profile/profile-codec.ts';
import { segmentScope } from '../../core/profile/segments.ts';
import { runInFlight } from '../../core/util/in-flight.ts';
import type { ClaimResult, ImageRecord, PartialCommitter } from '../../ports/partial-committer.ts';
import { REFERENCE_DAY } from '../../use-cases/profile-batch.ts';
import { batchGetItems } from './batch-get.ts';
import { compactPartials, partialSortKey } from './partial-rollup.ts';
import { keys } from './table-schema.ts';

/** DynamoDB transactions hold at most 100 items. */
const MAX_TRANSACTION_ITEMS = 100;
/** The dataset's partial and its activity marker. */
const ITEMS_PER_COMMIT = 2;
/** A segment's partial and its marker. */
const ITEMS_PER_SEGMENT = 2;
/** Claims (conditional PutItems) in flight at once: a batch of 100 takes ~7 round trips. */
const CLAIMS_IN_FLIGHT = 16;
/**
 * The profile function's 120 s timeout plus 3 minutes for clock differences (infra/definitions.ts
 * passes its own figure, CLAIM_LEASE_SECONDS).
 */
export const DEFAULT_CLAIM_LEASE_SECONDS = 300;

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
 * Exactly-once counting without a transaction per image (docs/operations.md#how-images-are-counted).
 *
 * Claim: one conditional PutItem per image record (1 WRU for a record under 1 KB), storing the
 * record with the id of the partial that will count it and the claim's time, if no record exists
 * or this attempt wrote it. When a record exists, its image is already counted if its partial
 * exists (or it has no claim: a record from before claims); otherwise another attempt claimed it
 * and either can still commit (its lease runs: busy, retried later) or died before committing (the
 * lease ran out: taken over by a put conditional on the dead claim's id).
 *
 * Commit: the partial profile under its id is the commit point. Without segments it is one PutItem
 * after the day's activity marker (idempotent, so a marker may precede a partial that never comes,
 * never the reverse); with segments, the dataset's and the segments' partials and markers go in one
 * TransactWriteItems, so a segment counts an image exactly when the dataset does.
 *
 * Records written before claims existed (under the whole key, legacy) are looked up first, so an
 * image profiled before the upgrade is not counted again.
 */
export class DynamoPartialCommitter implements PartialCommitter {
  readonly maxItemsPerCommit = MAX_TRANSACTION_ITEMS;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly options: {
      readonly now?: () => Date;
      /**
       * How long a claim is kept from other attempts: longer than any attempt can run (the
       * profile function's timeout), plus room for clock differences between hosts.
       */
      readonly claimLeaseSeconds?: number;
      readonly compaction?: CompactionOptions | undefined;
      /** Told when a compaction failed; the commit it followed stands and the next one retries. */
      readonly onCompactionError?: (error: Error) => void;
    } = {},
  ) {}

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  /** The reference day writes no activity marker; counting it anyway keeps the bound simple. */
  itemsPerCommit(_images: number, segments: number): number {
    return ITEMS_PER_COMMIT + ITEMS_PER_SEGMENT * segments;
  }

  /**
   * Time first, so the rollup's rule holds (partial-rollup.ts: the commit lands within the
   * function's timeout of the time in its key); a random suffix keeps two attempts on the same
   * images in the same millisecond apart, so one can never commit under the other's claims.
   */
  newPartialId(partialKey: string): string {
    return partialSortKey(this.now(), `${partialKey}.${randomBytes(4).toString('hex')}`);
  }

  async claimImages(records: readonly ImageRecord[], partialId: string): Promise<ClaimResult> {
    const legacy = await this.legacyRecordKeys(records);
    const claimed: string[] = [];
    const alreadyCounted = records.filter((r) => legacy.has(r.key)).map((r) => r.key);
    const busy: string[] = [];
    const pending = records.filter((r) => !legacy.has(r.key));
    const partials = new Map<string, Promise<boolean>>();
    await runInFlight(pending.length, CLAIMS_IN_FLIGHT, async (i) => {
      const r = pending[i] as ImageRecord;
      const outcome = await this.claimOne(r, partialId, partials);
      (outcome === 'claimed' ? claimed : outcome === 'counted' ? alreadyCounted : busy).push(r.key);
    });
    return { claimed, alreadyCounted, busy };
  }

  /** Keys of `records` that have a legacy record (one BatchGetItem per 100 keys). */
  private async legacyRecordKeys(records: readonly ImageRecord[]): Promise<Set<string>> {
    if (records.length === 0) return new Set();
    const legacyKeys = records.map((r) => keys.legacyImage(r.dataset, r.key));
    const byPk = new Map(legacyKeys.map((k, i) => [k.pk, (records[i] as ImageRecord).key]));
    const found = await batchGetItems(
      this.db,
      this.tableName,
      [...new Map(legacyKeys.map((k) => [k.pk, k])).values()],
      'pk',
    );
    return new Set(found.map((item) => byPk.get(item.pk as string) as string));
  }

  private async claimOne(
    r: ImageRecord,
    partialId: string,
    partials: Map<string, Promise<boolean>>,
  ): Promise<'claimed' | 'counted' | 'busy'> {
    const item = {
      ...keys.image(r.dataset, r.key),
      ...recordAttributes(r),
      partialId,
      claimedAt: this.now().toISOString(),
    };
    // A record that expired and vanished between a failed put and its read: claim again.
    for (let attempt = 0; attempt < 3; attempt++) {
      const existing = await this.putUnless(item, 'attribute_not_exists(pk) OR partialId = :id', {
        ':id': partialId,
      });
      if (!existing) return 'claimed';
      if (isEmpty(existing)) continue;
      const state = await this.claimState(existing, partials);
      if (state !== 'dead') return state;
      // Its attempt died before committing: take the claim over, keeping a later upload's outputs.
      const after = await this.putUnless(
        keepingLaterOutputs(item, existing, r),
        'partialId = :dead',
        {
          ':dead': existing.partialId,
        },
      );
      if (!after) return 'claimed';
      if (isEmpty(after)) continue;
      // Another attempt took it over first: judge the record as it is now.
      const current = await this.claimState(after, partials);
      if (current !== 'dead') return current;
    }
    // Still contended after three rounds: let SQS retry the message.
    return 'busy';
  }

  /**
   * Whether an existing record's image is counted (its partial exists, or it was never claimed),
   * claimed by an attempt whose lease runs, or claimed by one that died.
   */
  private async claimState(
    record: Record<string, unknown>,
    partials: Map<string, Promise<boolean>>,
  ): Promise<'counted' | 'busy' | 'dead'> {
    const partialId = record.partialId;
    if (typeof partialId !== 'string') return 'counted';
    const pk = keys.partials(record.dataset as string, record.day as string);
    const id = `${pk}\u0000${partialId}`;
    if (!partials.has(id)) partials.set(id, this.partialExists(pk, partialId));
    if (await partials.get(id)) return 'counted';
    const lease = (this.options.claimLeaseSeconds ?? DEFAULT_CLAIM_LEASE_SECONDS) * 1000;
    const claimedAt = Date.parse(String(record.claimedAt));
    return Number.isFinite(claimedAt) && this.now().getTime() - claimedAt < lease ? 'busy' : 'dead';
  }

  private async partialExists(pk: string, sk: string): Promise<boolean> {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk, sk },
        ProjectionExpression: 'pk',
        ConsistentRead: true,
      }),
    );
    return Item !== undefined;
  }

  /**
   * PutItem under `condition`: undefined when written, else the record that stopped it ({} when it
   * has vanished since).
   */
  private async putUnless(
    item: Record<string, unknown>,
    condition: string,
    values: Record<string, unknown>,
  ): Promise<Record<string, unknown> | undefined> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: condition,
          ExpressionAttributeValues: values,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return undefined;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      if (error.Item) return unmarshall(error.Item);
      // Servers that do not return the old item (older emulators): read it.
      const { Item } = await this.db.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: item.pk, sk: item.sk },
          ConsistentRead: true,
        }),
      );
      return Item ?? {};
    }
  }

  async commitPartial(partial: Parameters<PartialCommitter['commitPartial']>[0]): Promise<void> {
    const { dataset, day, partialId, profile } = partial;
    const segments = [...(partial.segments ?? new Map<string, DatasetProfile>())];
    const partialItem = (scope: string, p: DatasetProfile) => ({
      pk: keys.partials(scope, day),
      sk: partialId,
      profile: encodeProfile(p),
      images: p.images,
    });
    const markers = [
      ...(day === REFERENCE_DAY ? [] : [keys.active(day, dataset)]),
      ...segments.map(([segment]) => keys.segment(dataset, day, segment)),
    ];
    const put = (Item: Record<string, unknown>) =>
      new PutCommand({ TableName: this.tableName, Item });
    if (segments.length === 0) {
      // Plain writes cost half a transaction's; the partial, written last, is the commit point.
      for (const marker of markers) await this.db.send(put(marker));
      await this.db.send(put(partialItem(dataset, profile)));
    } else {
      const items = [
        partialItem(dataset, profile),
        ...segments.map(([segment, p]) => partialItem(segmentScope(dataset, segment), p)),
        ...markers,
      ].map((Item) => ({ Put: { TableName: this.tableName, Item } }));
      if (items.length > MAX_TRANSACTION_ITEMS)
        throw new Error(
          `a commit of ${segments.length} segments needs ${items.length} transaction items; at most ${MAX_TRANSACTION_ITEMS}`,
        );
      await this.db.send(new TransactWriteCommand({ TransactItems: items }));
    }
    const compaction = this.options.compaction;
    if (compaction && sampled(partialId, compaction.every)) {
      const settledBefore = new Date(this.now().getTime() - compaction.settleSeconds * 1000);
      const scopes = [dataset, ...segments.map(([segment]) => segmentScope(dataset, segment))];
      for (const scope of scopes)
        await compactPartials(this.db, this.tableName, scope, day, settledBefore).catch(
          (error: Error) => this.options.onCompactionError?.(error),
        );
    }
  }

  async updateModelOutputs(records: readonly ImageRecord[]): Promise<number> {
    let updated = 0;
    // A re-upload without a prediction is a copy, not a correction: the stored one stays.
    for (const r of records.filter((x) => x.prediction !== undefined))
      if (await updateModelOutput(this.db, this.tableName, r)) updated++;
    return updated;
  }
}

const isEmpty = (item: Record<string, unknown>) => Object.keys(item).length === 0;

const MODEL_OUTPUTS = ['prediction', 'confidence', 'modelVersion', 'sequencer'] as const;

/**
 * The claim's item, but with the prediction, confidence, model version and sequencer of `existing`
 * when it holds a later upload's (its sequencer sorts after the record's), so a takeover never puts
 * an older prediction back.
 */
function keepingLaterOutputs(
  item: Record<string, unknown>,
  existing: Record<string, unknown>,
  r: ImageRecord,
): Record<string, unknown> {
  const theirs = existing.sequencer;
  if (typeof theirs !== 'string' || (r.sequencer !== undefined && theirs <= r.sequencer))
    return item;
  const out = { ...item };
  for (const name of MODEL_OUTPUTS) {
    if (existing[name] === undefined) delete out[name];
    else out[name] = existing[name];
  }
  return out;
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
  // The record's key, else (a record from before claims) the legacy key.
  for (const Key of [keys.image(r.dataset, r.key), keys.legacyImage(r.dataset, r.key)]) {
    try {
      await db.send(
        new UpdateCommand({
          TableName: tableName,
          Key,
          UpdateExpression: `SET ${set.join(', ')}${remove.length > 0 ? ` REMOVE ${remove.join(', ')}` : ''}`,
          ConditionExpression: condition,
          ExpressionAttributeValues: values,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return true;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // A later upload's prediction is stored already: nothing to correct.
      if (error.Item !== undefined && Object.keys(error.Item).length > 0) return false;
    }
  }
  // No record under either key (it expired): nothing to correct.
  return false;
}

/**
 * Whether a partial falls in the 1-in-`every` share that triggers compaction, by the hex content
 * key after the time in its id.
 */
const sampled = (partialId: string, every: number) =>
  Number.parseInt(partialId.slice(partialId.lastIndexOf('#') + 1).slice(0, 8), 16) % every === 0;

/** A record's attributes; no `nameKey`, so the legacy byName index receives no writes. */
function recordAttributes(r: ImageRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {
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
