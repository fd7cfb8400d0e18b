import { createHash } from 'node:crypto';
import { plainText } from '../core/drift/digest.ts';
import { FEATURE_SET_VERSION, type ImageFeatures } from '../core/features/catalogue.ts';
import type { UnreadableReason } from '../core/image/decoded-image.ts';
import { datasetNameProblem } from '../core/profile/dataset-name.ts';
import {
  addImage,
  addUnreadable,
  type DatasetProfile,
  emptyProfile,
  mergeAll,
} from '../core/profile/dataset-profile.ts';
import { normalizeConfidence } from '../core/profile/model-outputs.ts';
import { decodeProfile } from '../core/profile/profile-codec.ts';
import { segmentName, segmentScope } from '../core/profile/segments.ts';
import { runInFlight } from '../core/util/in-flight.ts';
import { underPrefix } from '../core/util/key-prefix.ts';
import { dayInZone } from '../core/util/time.ts';
import { WeightedSemaphore } from '../core/util/weighted-semaphore.ts';
import type { ImageDecoder } from '../ports/image-decoder.ts';
import { type ObjectStore, ObjectTooLargeError, type StoredObject } from '../ports/object-store.ts';
import type { ImageRecord, PartialCommitter } from '../ports/partial-committer.ts';
import { analyzeImage } from './analyze-image.ts';

/** One S3 object-created event, as carried by an SQS message. */
export interface ImageEvent {
  readonly messageId: string;
  readonly bucket: string;
  readonly key: string;
  readonly eventTime: string;
  /** S3's sequencer, comparable as a string (handlers/s3-events.ts), when the event carries one. */
  readonly sequencer?: string | undefined;
}

export interface ProfileBatchDeps {
  readonly objects: ObjectStore;
  readonly committer: PartialCommitter;
  readonly decoder: ImageDecoder;
  readonly timeZone: string;
  /** How long per-image prediction records are kept for late labels. */
  readonly recordTtlDays: number;
  /**
   * The monitor config's segment settings: with `fromKey`, an image without `segment` metadata takes
   * the key part after the dataset as its segment (images/<dataset>/<segment>/…).
   */
  readonly segments?: { readonly fromKey: boolean } | undefined;
  /** The prefix images/ and reference/ live under ('' by default; see core/util/key-prefix.ts). */
  readonly keyPrefix?: string;
  /** Images decoded at once (libvips runs one thread per image). */
  readonly inFlight?: number;
  /**
   * Pixels decoded at once across the batch (width × height, read from each header first): bounds
   * the memory of a batch of large images. Unset: no bound beyond `inFlight`.
   */
  readonly maxPixelsInFlight?: number | undefined;
  /** Objects above these sizes are refused unread (DEFAULT_OBJECT_LIMITS when unset). */
  readonly objectLimits?: ObjectLimits | undefined;
  readonly log?: (
    level: 'info' | 'warn',
    message: string,
    fields?: Record<string, unknown>,
  ) => void;
}

export interface ProfileBatchResult {
  /** Messages to retry (transient failures: reading S3, writing DynamoDB). */
  readonly failedMessageIds: readonly string[];
  readonly profiled: number;
  readonly unreadable: number;
  /** Images skipped because an earlier delivery already counted them. */
  readonly alreadyCounted: number;
  /** Of those, the images whose stored prediction a re-upload's metadata replaced. */
  readonly predictionsUpdated: number;
  /** Images another delivery had claimed and may still commit: retried, not counted here. */
  readonly claimedElsewhere: number;
  /** Keys outside images/<dataset>/ and reference/<dataset>/, or with a refused dataset name. */
  readonly ignored: number;
}

/** Largest objects read, in bytes (docs/operations.md#limits). */
export interface ObjectLimits {
  /** An image (or any reference/ file but a .profile). */
  readonly imageBytes: number;
  /** A .profile file uploaded under reference/. */
  readonly profileBytes: number;
}

/**
 * 32 MiB holds a 50 MP JPEG at quality 100 and the images of every camera we know; ten of them
 * (the reads the profile handler keeps in flight) stay inside the 512 MB the pixel budget leaves aside. A profile is a few hundred KB.
 */
export const DEFAULT_OBJECT_LIMITS: ObjectLimits = {
  imageBytes: 32 * 1024 * 1024,
  profileBytes: 8 * 1024 * 1024,
};

export const REFERENCE_DAY = 'reference';

export type Route =
  | { readonly kind: 'image' | 'reference'; readonly dataset: string }
  /** Under images/ or reference/, but the dataset name is refused (core/profile/dataset-name.ts). */
  | { readonly kind: 'refused'; readonly problem: string };

/**
 * Where a key belongs: <prefix>images/<dataset>/… or <prefix>reference/<dataset>/…, refused when
 * the dataset name is not a valid one; undefined for anything else.
 */
export function routeKey(key: string, prefix = ''): Route | undefined {
  const relative = underPrefix(key, prefix);
  if (relative === undefined) return undefined;
  const match = /^(images|reference)\/([^/]+)\/.+[^/]$/.exec(relative);
  if (!match) return undefined;
  const dataset = match[2] as string;
  const problem = datasetNameProblem(dataset);
  if (problem) return { kind: 'refused', problem };
  return { kind: match[1] === 'images' ? 'image' : 'reference', dataset };
}

/** An event not profiled, and why (the handler counts each kind). */
export interface SkippedEvent {
  readonly skipped: 'outside-prefixes' | 'invalid-dataset-name';
}

/** Log fields for a user-chosen key: cleaned and short, whatever its length. */
export const keyForLog = (key: string) => plainText(key, 160);

export type Outcome =
  | { kind: 'features'; features: ImageFeatures }
  | { kind: 'unreadable'; reason: UnreadableReason; detail: string }
  | { kind: 'profile'; profile: DatasetProfile };

/**
 * Profiles one SQS batch of S3 events into one partial profile per dataset-day, and one record per
 * image, each image counted exactly once however often its event is delivered.
 *
 * Primary course:
 *  1. route each key to its dataset (images/<dataset>/…, or reference/<dataset>/… for the baseline);
 *  2. read the object and its metadata (prediction, confidence, model-version, captured-at,
 *     segment);
 *  3. decode and extract features, or count it unreadable with the reason;
 *  4. group by dataset-day (captured-at, else the event time, in the configured time zone);
 *  5. per chunk that fits one commit: claim each image for a new partial (its record), then commit
 *     the partial + per-segment partials of the images claimed; images another delivery already
 *     counted are left out (their predictions corrected by sequencer), and images another attempt
 *     holds are left out and retried.
 * A failure to read S3 or to write fails only the messages concerned, which SQS then redelivers.
 * The Lambda handler runs steps 1–3 per record under Powertools' batch processor and then calls
 * `commitPrepared`; this function is the same flow for callers without one.
 */
export async function profileBatch(
  events: readonly ImageEvent[],
  deps: ProfileBatchDeps,
): Promise<ProfileBatchResult> {
  const failed = new Set<string>();
  const prepared: PreparedImage[] = [];
  let ignored = 0;
  const budget = pixelBudgetOf(deps);
  await runInFlight(events.length, deps.inFlight ?? 4, async (index) => {
    const event = events[index] as ImageEvent;
    try {
      const item = await prepareImage(event, deps, budget);
      if ('skipped' in item) ignored++;
      else prepared.push(item);
    } catch (error) {
      failed.add(event.messageId);
      deps.log?.('warn', 'will retry: could not read the object', {
        key: keyForLog(event.key),
        error: plainText((error as Error).message, 300),
      });
    }
  });
  const committed = await commitPrepared(prepared, deps);
  return {
    ...committed,
    failedMessageIds: [...new Set([...failed, ...committed.failedMessageIds])],
    ignored,
  };
}

/** An image read and profiled, waiting to be committed. */
export interface PreparedImage {
  readonly event: ImageEvent;
  readonly dataset: string;
  readonly record: ImageRecord;
  readonly outcome: Outcome;
}

/** The semaphore of one batch's pixels in flight, when the deps bound them. */
export function pixelBudgetOf(
  deps: Pick<ProfileBatchDeps, 'maxPixelsInFlight'>,
): WeightedSemaphore | undefined {
  return deps.maxPixelsInFlight ? new WeightedSemaphore(deps.maxPixelsInFlight) : undefined;
}

/**
 * Steps 1–3 for one event: skipped for a key outside images/ and reference/ or with a refused
 * dataset name (logged); throws when the object cannot be read for a reason worth retrying.
 * Images of one batch share `pixelBudget`, so their decodes never hold more pixels than it allows.
 */
export async function prepareImage(
  event: ImageEvent,
  deps: ProfileBatchDeps,
  pixelBudget?: WeightedSemaphore,
): Promise<PreparedImage | SkippedEvent> {
  const route = routeKey(event.key, deps.keyPrefix);
  if (!route) {
    deps.log?.('warn', 'ignoring a key outside images/<dataset>/ and reference/<dataset>/', {
      key: keyForLog(event.key),
    });
    return { skipped: 'outside-prefixes' };
  }
  if (route.kind === 'refused') {
    deps.log?.('warn', 'refusing an upload: invalid dataset name', {
      key: keyForLog(event.key),
      problem: route.problem,
    });
    return { skipped: 'invalid-dataset-name' };
  }
  return processOne(event, route.kind, route.dataset, deps, pixelBudget);
}

/** Steps 4–5: group by dataset-day and commit; returns the messages to retry. */
export async function commitPrepared(
  prepared: readonly PreparedImage[],
  deps: Pick<ProfileBatchDeps, 'committer' | 'log'>,
): Promise<Omit<ProfileBatchResult, 'ignored'>> {
  const failed = new Set<string>();
  const groups = new Map<string, PreparedImage[]>();
  for (const p of prepared) {
    const id = `${p.dataset}\u0000${p.record.day}`;
    groups.set(id, [...(groups.get(id) ?? []), p]);
  }
  let profiled = 0;
  let unreadable = 0;
  let alreadyCounted = 0;
  let predictionsUpdated = 0;
  let claimedElsewhere = 0;
  // In (dataset, day) order, not in the order records finished decoding: which group a failed
  // commit leaves for the retry is then the same on every run.
  const ordered = [...groups.entries()].sort(([a], [b]) => compareStrings(a, b));
  for (const [, group] of ordered) {
    for (const whole of chunksOf(group, deps.committer)) {
      try {
        const { counted, busy, duplicates } = await claimAndCommit(whole, deps.committer);
        for (const p of whole.filter((x) => !counted.has(x) && !busy.has(x) && !duplicates.has(x)))
          if (p.outcome.kind === 'unreadable') unreadable++;
          else profiled += p.outcome.kind === 'profile' ? p.outcome.profile.images : 1;
        // Claimed by an attempt that may still commit: SQS redelivers them after it has.
        for (const p of busy) failed.add(p.event.messageId);
        claimedElsewhere += busy.size;
        if (busy.size > 0)
          deps.log?.('info', 'will retry: images claimed by another delivery in progress', {
            images: busy.size,
          });
        const corrections = [...counted, ...duplicates];
        alreadyCounted += corrections.length;
        // Counted before: a redelivery, or a re-upload whose metadata may correct the prediction.
        // Should this fail, the whole chunk is redelivered: its images are then counted already.
        if (corrections.length > 0)
          predictionsUpdated += await deps.committer.updateModelOutputs(
            corrections.map((p) => p.record),
          );
      } catch (error) {
        for (const p of whole) failed.add(p.event.messageId);
        deps.log?.('warn', 'will retry: could not store the partial profile', {
          error: plainText((error as Error).message, 300),
          images: whole.length,
        });
      }
    }
  }
  return {
    failedMessageIds: [...failed],
    profiled,
    unreadable,
    alreadyCounted,
    predictionsUpdated,
    claimedElsewhere,
  };
}

/**
 * Step 5 for one chunk: claims its images for a new partial, then commits the partial of those
 * claimed. Returns the images counted before, those another attempt holds (busy), and the later
 * copies of a key that appears more than once in the chunk (counted with the first, then treated
 * as re-uploads; when the first is busy, so are they).
 */
async function claimAndCommit(
  chunk: readonly PreparedImage[],
  committer: PartialCommitter,
): Promise<{
  counted: Set<PreparedImage>;
  busy: Set<PreparedImage>;
  duplicates: Set<PreparedImage>;
}> {
  const first = new Map<string, PreparedImage>();
  const copies: PreparedImage[] = [];
  for (const p of chunk)
    if (first.has(p.record.key)) copies.push(p);
    else first.set(p.record.key, p);
  const unique = [...first.values()];
  const partialId = committer.newPartialId(partialKeyOf(unique));
  const claim = await committer.claimImages(
    unique.map((p) => p.record),
    partialId,
  );
  const claimed = new Set(claim.claimed);
  const busyKeys = new Set(claim.busy);
  const toCount = unique.filter((p) => claimed.has(p.record.key));
  if (toCount.length > 0) await committer.commitPartial(commitOf(toCount, partialId));
  const counted = new Set(
    unique.filter((p) => !claimed.has(p.record.key) && !busyKeys.has(p.record.key)),
  );
  return {
    counted,
    busy: new Set([...unique, ...copies].filter((p) => busyKeys.has(p.record.key))),
    duplicates: new Set(copies.filter((p) => !busyKeys.has(p.record.key))),
  };
}

/**
 * Splits one dataset-day's images into chunks that each fit one commit. Images are taken in
 * (segment, key, sequencer) order, so a segment's images share chunks and each chunk pays for few segments.
 */
function chunksOf(
  group: readonly PreparedImage[],
  committer: Pick<PartialCommitter, 'maxItemsPerCommit' | 'itemsPerCommit'>,
): PreparedImage[][] {
  const sorted = [...group].sort(
    (a, b) =>
      compareStrings(a.record.segment ?? '', b.record.segment ?? '') ||
      compareStrings(a.record.key, b.record.key) ||
      // Two uploads of one key: the earlier claims, the later corrects it (claimAndCommit).
      compareStrings(a.record.sequencer ?? '', b.record.sequencer ?? ''),
  );
  const chunks: PreparedImage[][] = [];
  let chunk: PreparedImage[] = [];
  let segments = new Set<string>();
  for (const p of sorted) {
    const segment = p.record.segment;
    const segmentsWith = segment === undefined || segments.has(segment) ? 0 : 1;
    const items = committer.itemsPerCommit(chunk.length + 1, segments.size + segmentsWith);
    if (chunk.length > 0 && items > committer.maxItemsPerCommit) {
      chunks.push(chunk);
      chunk = [];
      segments = new Set();
    }
    chunk.push(p);
    if (segment !== undefined) segments.add(segment);
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

/** The commit of a chunk's claimed images (one dataset-day): its partial and its segments' partials. */
function commitOf(
  chunk: readonly PreparedImage[],
  partialId: string,
): Parameters<PartialCommitter['commitPartial']>[0] {
  const { dataset, record } = chunk[0] as PreparedImage;
  const bySegment = new Map<string, PreparedImage[]>();
  for (const p of chunk) {
    const segment = p.record.segment;
    if (segment !== undefined) bySegment.set(segment, [...(bySegment.get(segment) ?? []), p]);
  }
  const segments = new Map<string, DatasetProfile>();
  for (const [segment, images] of bySegment)
    segments.set(segment, profileOf(segmentScope(dataset, segment), record.day, images));
  return {
    dataset,
    day: record.day,
    partialId,
    profile: profileOf(dataset, record.day, chunk),
    ...(segments.size > 0 ? { segments } : {}),
  };
}

const compareStrings = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The object, or why it was refused: too large to read (its metadata kept). */
async function readObject(
  event: ImageEvent,
  isProfile: boolean,
  deps: ProfileBatchDeps,
): Promise<
  | { object: StoredObject | undefined; tooLarge?: undefined }
  | { object?: undefined; tooLarge: ObjectTooLargeError }
> {
  const limits = deps.objectLimits ?? DEFAULT_OBJECT_LIMITS;
  const maxBytes = isProfile ? limits.profileBytes : limits.imageBytes;
  try {
    return { object: await deps.objects.getObject(event.bucket, event.key, { maxBytes }) };
  } catch (error) {
    if (error instanceof ObjectTooLargeError) return { tooLarge: error };
    throw error;
  }
}

async function processOne(
  event: ImageEvent,
  kind: 'image' | 'reference',
  dataset: string,
  deps: ProfileBatchDeps,
  pixelBudget: WeightedSemaphore | undefined,
): Promise<PreparedImage> {
  const isProfile = kind === 'reference' && event.key.endsWith('.profile');
  const { object, tooLarge } = await readObject(event, isProfile, deps);
  const metadata = object?.metadata ?? tooLarge?.metadata ?? {};
  const capturedAt =
    parseInstant(metadata['captured-at']) ?? parseInstant(event.eventTime) ?? new Date(0);
  const day = kind === 'reference' ? REFERENCE_DAY : dayInZone(capturedAt, deps.timeZone);
  const confidence = normalizeConfidence(
    metadata.confidence === undefined ? undefined : Number(metadata.confidence),
  );
  const base = {
    dataset,
    key: event.key,
    day,
    capturedAt: capturedAt.toISOString(),
    prediction: metadata.prediction,
    confidence,
    modelVersion: metadata['model-version'],
    sequencer: event.sequencer,
    segment: segmentOf(
      event.key.slice(deps.keyPrefix?.length ?? 0),
      metadata,
      deps.segments?.fromKey ?? false,
    ),
    expiresAt: Math.floor(capturedAt.getTime() / 1000) + deps.recordTtlDays * 86_400,
  };
  if (tooLarge) {
    const outcome: Outcome = { kind: 'unreadable', reason: 'too-large', detail: tooLarge.message };
    return { event, dataset, record: { ...base, unreadable: outcome.reason }, outcome };
  }
  if (!object) {
    const outcome: Outcome = {
      kind: 'unreadable',
      reason: 'read-failed',
      detail: 'the object no longer exists',
    };
    return { event, dataset, record: { ...base, unreadable: outcome.reason }, outcome };
  }
  if (isProfile) {
    try {
      const profile = decodeProfile(object.bytes);
      if (profile.featureSetVersion !== FEATURE_SET_VERSION) {
        const detail = `profile of feature set v${profile.featureSetVersion}; this deployment profiles v${FEATURE_SET_VERSION}`;
        const outcome: Outcome = { kind: 'unreadable', reason: 'unsupported', detail };
        return { event, dataset, record: { ...base, unreadable: outcome.reason }, outcome };
      }
      return {
        event,
        dataset,
        record: base,
        outcome: { kind: 'profile', profile: { ...profile, dataset } },
      };
    } catch (error) {
      const outcome: Outcome = {
        kind: 'unreadable',
        reason: 'corrupt',
        detail: (error as Error).message,
      };
      return { event, dataset, record: { ...base, unreadable: outcome.reason }, outcome };
    }
  }
  const outcome = await profileImage(object.bytes, deps.decoder, pixelBudget);
  return {
    event,
    dataset,
    record: outcome.kind === 'unreadable' ? { ...base, unreadable: outcome.reason } : base,
    outcome,
  };
}

/**
 * Decodes and extracts features holding the image's pixels (from its header) in the budget: the
 * decoded pixels and the planes computed from them are garbage once this returns.
 */
async function profileImage(
  bytes: Uint8Array,
  decoder: ImageDecoder,
  pixelBudget: WeightedSemaphore | undefined,
): Promise<Outcome> {
  const profile = async (): Promise<Outcome> => {
    const analysis = await analyzeImage(bytes, decoder);
    if (!analysis.ok)
      return { kind: 'unreadable', reason: analysis.reason, detail: analysis.detail };
    return { kind: 'features', features: analysis.features };
  };
  if (!pixelBudget) return profile();
  // A header that does not parse holds nothing: its decode fails at once.
  return pixelBudget.use((await decoder.pixelsOf(bytes)) ?? 0, profile);
}

/** The profile of `images` under a scope id (the dataset, or one of its segments). */
function profileOf(scope: string, day: string, images: readonly PreparedImage[]): DatasetProfile {
  const profile = emptyProfile({ dataset: scope, window: { start: day, end: day } });
  const uploaded: DatasetProfile[] = [];
  for (const p of images) {
    if (p.outcome.kind === 'features')
      addImage(profile, p.record.key, p.outcome.features, p.record);
    else if (p.outcome.kind === 'unreadable') addUnreadable(profile, p.outcome.reason);
    else uploaded.push({ ...p.outcome.profile, dataset: scope, window: profile.window });
  }
  return mergeAll([profile, ...uploaded]) as DatasetProfile;
}

/**
 * The image's segment: its `segment` metadata, else (only with `fromKey`) the key part after the
 * dataset when one follows (images/<dataset>/<segment>/<file>; images/<dataset>/<file> has none).
 * Names are sanitised; a blank one means no segment.
 */
export function segmentOf(
  key: string,
  metadata: Readonly<Record<string, string | undefined>>,
  fromKey: boolean,
): string | undefined {
  const named = segmentName(metadata.segment);
  if (named !== undefined || !fromKey) return named;
  const parts = key.split('/');
  return parts.length > 3 ? segmentName(parts[2]) : undefined;
}

/**
 * A hash of the chunk's image keys. It names the partial (the store adds the time and a random
 * suffix); counting each image once rests on the claims, not on this key.
 */
function partialKeyOf(chunk: readonly PreparedImage[]): string {
  const hash = createHash('sha256');
  for (const p of chunk) hash.update(`${p.record.key}\n`);
  return hash.digest('hex').slice(0, 32);
}

function parseInstant(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : new Date(t);
}
