import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import {
  cloneProfile,
  type DatasetProfile,
  mergeInto,
} from '../../core/profile/dataset-profile.ts';
import { decodeProfile, encodeProfile } from '../../core/profile/profile-codec.ts';
import { queryItems } from './query-all.ts';
import { keys } from './table-schema.ts';

/**
 * A dataset-day's partial profiles, rolled up as the day goes so the night merges one profile and
 * the last few partials instead of up to 100,000 (docs/performance.md).
 *
 * Partials are keyed `p#<commit time>#<content hash>`. The rollup item (sort key `rollup`, after
 * every partial key) holds the merge of every partial whose key sorts before `p#<watermark>`.
 * Compaction only moves the watermark to a time older than any commit still in flight
 * (`settleSeconds` beyond the profile function's timeout), so no partial can appear behind it; the
 * night reads the rollup and the partials from the watermark on. Partials are never deleted, so a
 * rollup lost or rebuilt changes nothing but speed. Keys written before rollups existed (a bare
 * hash) are read beside the rollup, never folded into it (unrolledPartialItems).
 */
export const ROLLUP_SORT_KEY = 'rollup';
const PARTIAL_PREFIX = 'p#';
const PARTIALS_END = 'p#\uffff';

export const partialSortKey = (committedAt: Date, contentKey: string) =>
  `${PARTIAL_PREFIX}${committedAt.toISOString()}#${contentKey}`;

/** The ISO commit time in a partial's sort key (ISO instants hold no '#'). */
const commitTimeOf = (sortKey: string) =>
  sortKey.slice(PARTIAL_PREFIX.length, sortKey.indexOf('#', PARTIAL_PREFIX.length));

export interface Rollup {
  readonly profile: DatasetProfile;
  /** ISO instant: every partial committed before it is in `profile`. */
  readonly watermark: string;
}

export async function readRollup(
  db: DynamoDBDocumentClient,
  tableName: string,
  dataset: string,
  day: string,
): Promise<Rollup | undefined> {
  const { Item } = await db.send(
    new GetCommand({
      TableName: tableName,
      Key: { pk: keys.partials(dataset, day), sk: ROLLUP_SORT_KEY },
      ConsistentRead: true,
    }),
  );
  return Item
    ? { profile: decodeProfile(Item.profile as Uint8Array), watermark: Item.watermark as string }
    : undefined;
}

/** `p#` partial items of a day in key order: all of them, or those committed from `from` up to `before` (ISO). */
function partialItems(
  db: DynamoDBDocumentClient,
  tableName: string,
  dataset: string,
  day: string,
  range: { from?: string | undefined; before?: string | undefined } = {},
  projection?: string,
): AsyncGenerator<Record<string, unknown>> {
  return queryItems(db, {
    TableName: tableName,
    KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lower AND :upper',
    ExpressionAttributeValues: {
      ':pk': keys.partials(dataset, day),
      ':lower': `${PARTIAL_PREFIX}${range.from ?? ''}`,
      ':upper': range.before === undefined ? PARTIALS_END : `${PARTIAL_PREFIX}${range.before}`,
    },
    ConsistentRead: true,
    ...(projection ? { ProjectionExpression: projection } : {}),
  });
}

/**
 * Partials written before rollups existed (keyed by a bare hash, which sorts before `p#`). They are
 * never rolled up: a function version still running during the upgrade may write one after the
 * first rollup, so readers always add them (there are none on days after the upgrade).
 */
function legacyPartialItems(
  db: DynamoDBDocumentClient,
  tableName: string,
  dataset: string,
  day: string,
  projection?: string,
): AsyncGenerator<Record<string, unknown>> {
  return queryItems(db, {
    TableName: tableName,
    KeyConditionExpression: 'pk = :pk AND sk < :prefix',
    ExpressionAttributeValues: { ':pk': keys.partials(dataset, day), ':prefix': PARTIAL_PREFIX },
    ConsistentRead: true,
    ...(projection ? { ProjectionExpression: projection } : {}),
  });
}

/**
 * What a reader adds to the rollup (or, with no `from`, every partial of the day): the partials
 * from before rollups existed, then those committed from `from` on, in key order.
 */
export async function* unrolledPartialItems(
  db: DynamoDBDocumentClient,
  tableName: string,
  dataset: string,
  day: string,
  from?: string,
  projection?: string,
): AsyncGenerator<Record<string, unknown>> {
  yield* legacyPartialItems(db, tableName, dataset, day, projection);
  yield* partialItems(db, tableName, dataset, day, { from }, projection);
}

/** Partials one compaction folds at most (~350 µs each), so a backlog is worked off in steps. */
export const MAX_PARTIALS_PER_COMPACTION = 5_000;

/**
 * Folds the partials committed before `settledBefore` into the day's rollup, at most about
 * `maxPartials` of them: a longer backlog stops at a commit-time boundary, which becomes the
 * watermark, and the next compaction goes on from there. Two compactions may race: the rollup is
 * written only if its watermark is still the one read, so the loser's work is dropped, never
 * counted twice. Returns how many partials were folded in (0: nothing to do, or lost the race).
 */
export async function compactPartials(
  db: DynamoDBDocumentClient,
  tableName: string,
  dataset: string,
  day: string,
  settledBefore: Date,
  maxPartials = MAX_PARTIALS_PER_COMPACTION,
): Promise<number> {
  const rollup = await readRollup(db, tableName, dataset, day);
  let watermark = settledBefore.toISOString();
  if (rollup && rollup.watermark >= watermark) return 0;
  let merged = rollup?.profile;
  let folded = 0;
  let lastTime: string | undefined;
  const items = partialItems(db, tableName, dataset, day, {
    from: rollup?.watermark,
    before: watermark,
  });
  for await (const item of items) {
    // Partials of one millisecond go together: the watermark must not split them.
    const time = commitTimeOf(item.sk as string);
    if (folded >= maxPartials && time !== lastTime) {
      watermark = time;
      break;
    }
    const partial = decodeProfile(item.profile as Uint8Array);
    if (merged) mergeInto(merged, partial);
    else merged = cloneProfile(partial);
    folded++;
    lastTime = time;
  }
  if (!merged || folded === 0) return 0;
  try {
    await db.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          pk: keys.partials(dataset, day),
          sk: ROLLUP_SORT_KEY,
          profile: encodeProfile(merged),
          images: merged.images,
          watermark,
        },
        ConditionExpression: rollup ? 'watermark = :previous' : 'attribute_not_exists(pk)',
        ...(rollup ? { ExpressionAttributeValues: { ':previous': rollup.watermark } } : {}),
      }),
    );
    return folded;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return 0;
    throw error;
  }
}
