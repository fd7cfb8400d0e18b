import { createHash } from 'node:crypto';
import { compareDays } from '../core/drift/baselines.ts';
import { buildDigest, type Digest, MAX_SUBJECT_LENGTH, plainText } from '../core/drift/digest.ts';
import type { MonitorConfig } from '../core/drift/monitor-config.ts';
import type { MonitorResult } from '../core/drift/monitor-result.ts';
import {
  type AggregationOptions,
  type AggregationResult,
  aggregateVotes,
  type Consensus,
} from '../core/labels/aggregate-votes.ts';
import { detectLabelFormat } from '../core/labels/detect-format.ts';
import { krippendorffAlpha } from '../core/labels/krippendorff-alpha.ts';
import type { LabelFormat, LabelIssue, LabelRow, ParsedLabel } from '../core/labels/label-row.ts';
import { type LabelChunks, parseLabels } from '../core/labels/parse-labels.ts';
import { VoteTable } from '../core/labels/vote-table.ts';
import {
  addPair,
  type ConfusionMatrix,
  foldMatrix,
  labelsOf,
} from '../core/performance/confusion-matrix.ts';
import { calibrationHistogram } from '../core/performance/estimated-performance.ts';
import { evaluatePerformanceMonitors } from '../core/performance/evaluate-performance.ts';
import { performanceMetrics } from '../core/performance/metrics.ts';
import { PERFORMANCE_ADVICE, performanceHeadline } from '../core/performance/performance-alert.ts';
import type { PerformanceRecord } from '../core/performance/performance-record.ts';
import type { LabelStore } from '../ports/label-store.ts';
import type { NightStore } from '../ports/night-store.ts';
import type { Notifier } from '../ports/notifier.ts';
import type { PredictionIndex } from '../ports/prediction-index.ts';
import { LabelJoin } from './label-join.ts';
import { REFERENCE_DAY } from './profile-batch.ts';

export interface IngestLabelsDeps {
  readonly predictions: PredictionIndex;
  readonly labels: LabelStore;
  /** Holds the once-only claims of performance alerts (the same store as the nightly digests). */
  readonly nights: NightStore;
  readonly notifier: Notifier;
  readonly config: MonitorConfig;
  readonly now: () => Date;
  readonly aggregation?: AggregationOptions;
  /** The link to a day's report (as in the nightly digest); the alert links each alerting day's. */
  readonly reportUrl?: (dataset: string, day: string) => string | undefined;
}

export interface LabelFile {
  readonly dataset: string;
  /** File name or S3 key, for format detection and provenance. */
  readonly name: string;
  /**
   * Opens the file from its start. A crowd file is read twice, once for the votes and once to name
   * the consensus (names are not held in memory in between), so both reads must see the same bytes.
   */
  readonly open: () => LabelChunks | Promise<LabelChunks>;
  readonly format?: LabelFormat | undefined;
}

/** A performance monitor result and the prediction day it is about. */
export type DayAlert = MonitorResult & { readonly day: string };

/** Issues kept in the summary; the rest are only counted. */
const MAX_REPORTED_ISSUES = 50;

export interface IngestSummary {
  readonly dataset: string;
  readonly file: string;
  readonly format: LabelFormat;
  readonly method: string;
  /** Dawid–Skene's EM iterations, and whether it converged before its cap (aggregate-votes.ts). */
  readonly iterations?: number | undefined;
  readonly converged?: boolean | undefined;
  readonly rows: number;
  readonly issues: number;
  readonly issueExamples: readonly LabelIssue[];
  readonly dropped: Readonly<Record<string, number>>;
  readonly items: number;
  readonly ties: number;
  readonly labelled: number;
  readonly unmatched: number;
  readonly ambiguous: number;
  readonly expired: number;
  readonly withoutPrediction: number;
  /** Krippendorff's α over the file's votes; when undefined, `agreementUndefinedBecause` says why. */
  readonly agreement?: number | undefined;
  readonly agreementUndefinedBecause?: string | undefined;
  readonly annotators: ReturnType<typeof aggregateVotes>['annotators'];
  readonly days: readonly PerformanceRecord[];
  /**
   * The labelled reference (labels naming reference images that carried predictions): it
   * calibrates the accuracy estimate and is never judged as a day (no monitors, no manifest).
   */
  readonly reference?: PerformanceRecord | undefined;
  /** Performance alerts, each with the prediction day it concerns. */
  readonly alerts: readonly DayAlert[];
  readonly digest?: Digest | undefined;
}

/**
 * A label file arrives (S3 labels/<dataset>/… or <root>/labels/ locally):
 *  1. detect the format and stream its rows (bad rows reported with their line, kept rows used);
 *  2. crowd votes (the first row names an annotator): collect the votes, aggregate them per image
 *     (Dawid–Skene / majority vote, docs/labels.md), then stream the file again to name each
 *     image's consensus; final labels (no annotator): take each row as it comes, later rows of an
 *     image replacing earlier ones;
 *  3. join the labels, a batch at a time, with the prediction stored when the image was profiled
 *     (key, URL or file name);
 *  4. store the labels (the latest file wins per image) and recompute, for every prediction day the
 *     file touched, the confusion matrix from all of that day's labels, the metrics and coverage;
 *  5. evaluate the performance monitors for those days and send one message listing the days that
 *     alert, at most once per distinct set of alerts.
 * Ingesting the same file twice changes nothing and sends nothing new. Memory does not grow with
 * a file of final labels, and grows with a crowd file's votes and images (about 8 and 22 bytes
 * each), not with its bytes or the length of its names.
 */
export async function ingestLabels(
  file: LabelFile,
  deps: IngestLabelsDeps,
): Promise<IngestSummary> {
  const { dataset } = file;
  const { chunks, head } = await peek(await file.open());
  const format = file.format ?? detectLabelFormat(head, file.name);
  const tally = newTally();
  const rows = rowsOf(parseLabels(chunks, format), tally);
  const first = await rows.next();
  let votes: CrowdVotes | undefined;
  let join: LabelJoin;
  if (!first.done && first.value.annotator !== undefined) {
    votes = await aggregateCrowd(first.value, rows, { file, format, tally, deps });
    join = votes.join;
  } else {
    // The first row names no annotator: final labels (aggregated exports, manifests), one pass.
    join = new LabelJoin(dataset, file.name, deps);
    if (!first.done) await join.addFinal(first.value);
    for await (const row of rows) await join.addFinal(row);
    await join.flush();
  }
  const aggregation = votes?.aggregation;

  const days = [...join.days].sort(compareDays);
  const { records, reference, alerts, fromFile } = await recomputeDays(
    dataset,
    file.name,
    days,
    deps,
    (day) => {
      if (!votes) return undefined;
      const dayNumber = join.days.indexOf(day) + 1;
      return krippendorffAlpha(votes.table, (item) => votes.dayOfItem[item] === dayNumber).alpha;
    },
  );
  const judged = days.filter((d) => d !== REFERENCE_DAY);
  const digest = await notifyOnce(dataset, file.name, judged, alerts, deps);
  return {
    dataset,
    file: file.name,
    format,
    method: aggregation?.method ?? 'final-labels',
    ...(aggregation?.iterations === undefined
      ? {}
      : { iterations: aggregation.iterations, converged: aggregation.converged }),
    ...tally,
    items: aggregation?.items ?? tally.rows,
    ties: aggregation?.ties ?? 0,
    ...join.counts,
    // Counted in the store, not while joining: an image named twice (two rows far apart, a key and
    // a URL) has one label, and the summary says so.
    labelled: fromFile,
    ...(votes ? agreementOf(votes.table) : {}),
    annotators: aggregation?.annotators ?? [],
    days: records,
    ...(reference ? { reference } : {}),
    alerts,
    digest,
  };
}

function agreementOf(table: VoteTable) {
  const { alpha, undefinedBecause } = krippendorffAlpha(table);
  return alpha === undefined
    ? { agreementUndefinedBecause: undefinedBecause }
    : { agreement: alpha };
}

interface ParseTally {
  rows: number;
  issues: number;
  readonly issueExamples: LabelIssue[];
  readonly dropped: Record<string, number>;
}

const newTally = (): ParseTally => ({ rows: 0, issues: 0, issueExamples: [], dropped: {} });

/** The rows of a parse, counting issues (keeping the first few) and dropped rows on the way. */
async function* rowsOf(parsed: AsyncIterable<ParsedLabel>, tally: ParseTally) {
  for await (const p of parsed) {
    if (p.kind === 'row') {
      tally.rows++;
      yield p.row;
    } else if (p.kind === 'issue') {
      tally.issues++;
      if (tally.issueExamples.length < MAX_REPORTED_ISSUES) tally.issueExamples.push(p.issue);
    } else {
      tally.dropped[p.reason] = (tally.dropped[p.reason] ?? 0) + 1;
    }
  }
}

interface CrowdVotes {
  readonly table: VoteTable;
  readonly aggregation: AggregationResult;
  /** Per item, the 1-based index of its prediction day in `join.days` (0: not joined). */
  readonly dayOfItem: Uint16Array;
  readonly join: LabelJoin;
}

/**
 * Crowd votes: collect the whole file into the vote table, aggregate, then read the file again to
 * name each item's consensus and join it (names are not held in memory in between).
 */
async function aggregateCrowd(
  first: LabelRow,
  rest: AsyncIterable<LabelRow>,
  context: { file: LabelFile; format: LabelFormat; tally: ParseTally; deps: IngestLabelsDeps },
): Promise<CrowdVotes> {
  const { file, format, tally, deps } = context;
  const table = new VoteTable();
  table.add(first);
  for await (const row of rest) table.add(row);
  const aggregation = aggregateVotes(table, deps.aggregation);
  const dayOfItem = new Uint16Array(table.itemCount);
  const join = new LabelJoin(file.dataset, file.name, deps, (item, day) => {
    dayOfItem[table.itemOf(item)] = day;
  });
  const name = aggregation.namer();
  let reread = 0;
  for await (const row of rowsOf(parseLabels(await file.open(), format), newTally())) {
    reread++;
    const c = name(row);
    if (c?.label !== undefined) await join.add(c as Consensus & { label: string });
  }
  await join.flush();
  if (reread !== tally.rows)
    throw new Error(
      `${file.name} changed while it was read (${tally.rows} rows, then ${reread}); ingest it again`,
    );
  return { table, aggregation, dayOfItem, join };
}

/**
 * For every prediction day the file touched: the confusion matrix from all of that day's labels
 * (streamed from the store), metrics, coverage and agreement, the performance monitors against
 * the other days, the stored record and the retraining manifest. The reference's labels make a
 * record too, kept only to calibrate the accuracy estimate: it is not judged, alerts on nothing,
 * writes no manifest and is no day's baseline.
 */
async function recomputeDays(
  dataset: string,
  source: string,
  days: readonly string[],
  deps: IngestLabelsDeps,
  agreementOn: (day: string) => number | undefined,
) {
  const records: PerformanceRecord[] = [];
  let reference: PerformanceRecord | undefined;
  const alerts: DayAlert[] = [];
  const earlier = await Promise.all(
    (await deps.labels.listPerformanceDays(dataset))
      .filter((d) => d !== REFERENCE_DAY)
      .map((d) => deps.labels.loadPerformance(dataset, d)),
  );
  const history = earlier.filter((r): r is PerformanceRecord => r !== undefined);
  let fromFile = 0;
  for (const day of days) {
    const confusion: ConfusionMatrix = {};
    const confident: { confidence: number; correct: boolean }[] = [];
    let labelled = 0;
    for await (const l of deps.labels.labelsForDay(dataset, day)) {
      addPair(confusion, l.label, l.prediction);
      if (l.modelConfidence !== undefined)
        confident.push({ confidence: l.modelConfidence, correct: l.correct });
      labelled++;
      if (l.source === source) fromFile++;
    }
    const images = await deps.predictions.imagesOnDay(dataset, day);
    const base: PerformanceRecord = {
      version: 1,
      dataset,
      day,
      confusion,
      metrics: performanceMetrics(confusion, { seed: 1 }),
      classes: labelsOf(confusion).length,
      images,
      coverage: images > 0 ? Math.min(1, labelled / images) : undefined,
      agreement: agreementOn(day),
      ...(confident.length > 0 ? { calibration: calibrationHistogram(confident) } : {}),
      updatedAt: deps.now().toISOString(),
    };
    if (day === REFERENCE_DAY) {
      reference = bounded(base);
      await deps.labels.savePerformance(reference);
      continue;
    }
    const results = evaluatePerformanceMonitors(
      deps.config,
      base,
      history.filter((h) => h.day !== day),
    );
    const record = { ...bounded(base), alerted: results.some((r) => r.fired) };
    await deps.labels.savePerformance(record);
    await deps.labels.writeManifest(dataset, day, deps.labels.labelsForDay(dataset, day));
    history.push(record);
    records.push(record);
    alerts.push(
      ...results
        .filter((r) => r.fired)
        .map((r) => ({ ...r, day, summary: `${day}: ${r.summary}` })),
    );
  }
  return { records, reference, alerts, fromFile };
}

/**
 * Classes a stored performance record keeps by name; the rest are folded into "other". Distinct
 * label values are whatever the label files say: unbounded, the record (a DynamoDB item holds
 * 400 KB) and every report that draws it would grow with the square of the classes.
 */
export const STORED_CLASSES = 100;

/**
 * The record as stored: the day's metrics stay those of the full matrix; above STORED_CLASSES
 * the matrix is folded (accuracy from it stays exact, see foldMatrix) and per-class metrics are
 * kept for the classes kept by name.
 */
function bounded(record: PerformanceRecord): PerformanceRecord {
  const folded = foldMatrix(record.confusion, STORED_CLASSES);
  if (!folded.other) return record;
  const kept = new Set(folded.labels);
  return {
    ...record,
    confusion: folded.matrix,
    metrics: {
      ...record.metrics,
      perClass: record.metrics.perClass.filter((c) => kept.has(c.label)),
    },
  };
}

/** Alerting days whose reports are linked (the newest); the others are named in the text. */
const MAX_LINKED_REPORTS = 3;

/** One message per ingestion listing the alerting days; claimed so a re-ingested file sends nothing. */
async function notifyOnce(
  dataset: string,
  source: string,
  days: readonly string[],
  alerts: readonly DayAlert[],
  deps: IngestLabelsDeps,
) {
  if (alerts.length === 0) return undefined;
  const alerting = [...new Set(alerts.map((a) => a.day))].sort(compareDays);
  const reports = alerting
    .slice(-MAX_LINKED_REPORTS)
    .map((day) => ({ day, url: deps.reportUrl?.(dataset, day) }))
    .filter((r): r is { day: string; url: string } => r.url !== undefined);
  const digest = buildDigest({
    dataset,
    day: `performance ${days.join(', ')}`,
    results: alerts.map((a) => ({ ...a, feature: undefined })),
    headline: performanceHeadline(dataset, source, alerts),
    advice: PERFORMANCE_ADVICE,
    reports,
  });
  if (!digest) return undefined;
  const subject = plainText(
    `[Driftwatch] ${dataset}: model performance fell on ${alerting.length === 1 ? alerting[0] : `${alerting.length} days (${alerting.join(', ')})`}`,
    MAX_SUBJECT_LENGTH,
  );
  const message: Digest = {
    ...digest,
    subject,
    reportUrl: reports.at(-1)?.url,
    fingerprint: alerts
      .map((a) => `${a.day}|${a.monitor}|${a.statistic}`)
      .sort()
      .join('\n'),
  };
  // Keyed by the set of touched days, hashed: a file can touch a year of days, a DynamoDB sort key holds 1 KB.
  const claimKey = `labels:${createHash('sha256').update(days.join(',')).digest('hex').slice(0, 32)}`;
  const claim = await deps.nights.claimDigest(dataset, claimKey, message.fingerprint);
  if (claim === 'duplicate') return undefined;
  try {
    await deps.notifier.publish(message);
  } catch (error) {
    await deps.nights.releaseDigest(dataset, claimKey, message.fingerprint);
    throw error;
  }
  return message;
}

/** Reads the first chunk for format detection without losing it. */
async function peek(source: LabelChunks): Promise<{ chunks: LabelChunks; head: string }> {
  const iterator = (
    Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]()
  ) as AsyncIterator<Uint8Array | string> | Iterator<Uint8Array | string>;
  const first = await iterator.next();
  if (first.done) return { chunks: [], head: '' };
  const head =
    typeof first.value === 'string'
      ? first.value.slice(0, 4096)
      : Buffer.from(first.value.subarray(0, 4096)).toString('utf8');
  return {
    head,
    chunks: (async function* () {
      yield first.value;
      for (let next = await iterator.next(); !next.done; next = await iterator.next())
        yield next.value;
    })(),
  };
}
