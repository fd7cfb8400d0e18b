import { createHash } from 'node:crypto';
import { compareDays } from '../core/drift/baselines.ts';
import { buildDigest, type Digest, MAX_SUBJECT_LENGTH, plainText } from '../core/drift/digest.ts';
import type { MonitorConfig } from '../core/drift/monitor-config.ts';
import type { MonitorResult } from '../core/drift/monitor-result.ts';
import { type AggregationOptions, aggregateVotes } from '../core/labels/aggregate-votes.ts';
import { detectLabelFormat } from '../core/labels/detect-format.ts';
import { parseItemRef } from '../core/labels/item-ref.ts';
import { krippendorffAlpha } from '../core/labels/krippendorff-alpha.ts';
import type { LabelFormat, LabelIssue } from '../core/labels/label-row.ts';
import type { LabelledImage } from '../core/labels/labelled-image.ts';
import { type LabelChunks, parseLabels } from '../core/labels/parse-labels.ts';
import { VoteTable } from '../core/labels/vote-table.ts';
import { addPair, type ConfusionMatrix } from '../core/performance/confusion-matrix.ts';
import { evaluatePerformanceMonitors } from '../core/performance/evaluate-performance.ts';
import { performanceMetrics } from '../core/performance/metrics.ts';
import type { PerformanceRecord } from '../core/performance/performance-record.ts';
import type { LabelStore } from '../ports/label-store.ts';
import type { NightStore } from '../ports/night-store.ts';
import type { Notifier } from '../ports/notifier.ts';
import type { PredictionIndex } from '../ports/prediction-index.ts';

export interface IngestLabelsDeps {
  readonly predictions: PredictionIndex;
  readonly labels: LabelStore;
  /** Holds the once-only claims of performance alerts (the same store as the nightly digests). */
  readonly nights: NightStore;
  readonly notifier: Notifier;
  readonly config: MonitorConfig;
  readonly now: () => Date;
  readonly aggregation?: AggregationOptions;
}

export interface LabelFile {
  readonly dataset: string;
  /** File name or S3 key, for format detection and provenance. */
  readonly name: string;
  readonly chunks: LabelChunks;
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
  readonly agreement?: number | undefined;
  readonly annotators: ReturnType<typeof aggregateVotes>['annotators'];
  readonly days: readonly PerformanceRecord[];
  /** Performance alerts, each with the prediction day it concerns. */
  readonly alerts: readonly DayAlert[];
  readonly digest?: Digest | undefined;
}

/**
 * A label file arrives (S3 labels/<dataset>/… or <root>/labels/ locally):
 *  1. detect the format and stream it into votes (bad rows reported with their line, kept rows used);
 *  2. aggregate the votes per image (Dawid–Skene / majority vote, docs/labels.md);
 *  3. join each image with the prediction stored when it was profiled (key, URL or file name);
 *  4. store the labels (the latest file wins per image) and recompute, for every prediction day the
 *     file touched, the confusion matrix from all of that day's labels, the metrics and coverage;
 *  5. evaluate the performance monitors for those days and send one message listing the days that
 *     alert, at most once per distinct set of alerts.
 * Ingesting the same file twice changes nothing and sends nothing new.
 */
export async function ingestLabels(
  file: LabelFile,
  deps: IngestLabelsDeps,
): Promise<IngestSummary> {
  const { dataset } = file;
  const { chunks, head } = await peek(file.chunks);
  const format = file.format ?? detectLabelFormat(head, file.name);
  const table = new VoteTable();
  const issueExamples: LabelIssue[] = [];
  const dropped: Record<string, number> = {};
  let rows = 0;
  let issues = 0;
  for await (const parsed of parseLabels(chunks, format)) {
    if (parsed.kind === 'row') {
      rows++;
      table.add(parsed.row);
    } else if (parsed.kind === 'issue') {
      issues++;
      if (issueExamples.length < MAX_REPORTED_ISSUES) issueExamples.push(parsed.issue);
    } else {
      dropped[parsed.reason] = (dropped[parsed.reason] ?? 0) + 1;
    }
  }
  const aggregation = aggregateVotes(table, deps.aggregation);

  const labelled: LabelledImage[] = [];
  const counts = { unmatched: 0, ambiguous: 0, expired: 0, withoutPrediction: 0, ties: 0 };
  const itemsByDay = new Map<string, Set<string>>();
  for (const c of aggregation.consensus) {
    if (c.label === undefined) {
      counts.ties++;
      continue;
    }
    const found = await deps.predictions.lookup(dataset, parseItemRef(c.item));
    if (found.status !== 'matched') {
      counts[found.status]++;
      continue;
    }
    const { record } = found;
    if (record.prediction === undefined) {
      counts.withoutPrediction++;
      continue;
    }
    labelled.push({
      key: record.key,
      day: record.day,
      label: c.label,
      confidence: c.confidence,
      prediction: record.prediction,
      correct: c.label === record.prediction,
      source: file.name,
    });
    itemsByDay.set(record.day, (itemsByDay.get(record.day) ?? new Set()).add(c.item));
  }
  await deps.labels.saveLabels(dataset, labelled);

  const days = [...itemsByDay.keys()].sort(compareDays);
  const records: PerformanceRecord[] = [];
  const alerts: DayAlert[] = [];
  const earlier = await Promise.all(
    (await deps.labels.listPerformanceDays(dataset)).map((d) =>
      deps.labels.loadPerformance(dataset, d),
    ),
  );
  const history = earlier.filter((r): r is PerformanceRecord => r !== undefined);
  for (const day of days) {
    const all = await deps.labels.labelsForDay(dataset, day);
    const confusion: ConfusionMatrix = {};
    for (const l of all) addPair(confusion, l.label, l.prediction);
    const images = await deps.predictions.imagesOnDay(dataset, day);
    const base: PerformanceRecord = {
      version: 1,
      dataset,
      day,
      confusion,
      metrics: performanceMetrics(confusion, { seed: 1 }),
      images,
      coverage: images > 0 ? Math.min(1, all.length / images) : undefined,
      agreement: krippendorffAlpha(table, itemsByDay.get(day)),
      updatedAt: deps.now().toISOString(),
    };
    const results = evaluatePerformanceMonitors(
      deps.config,
      base,
      history.filter((h) => h.day !== day),
    );
    const record = { ...base, alerted: results.some((r) => r.fired) };
    await deps.labels.savePerformance(record);
    await deps.labels.writeManifest(dataset, day, all);
    history.push(record);
    records.push(record);
    alerts.push(
      ...results
        .filter((r) => r.fired)
        .map((r) => ({ ...r, day, summary: `${day}: ${r.summary}` })),
    );
  }

  const digest = await notifyOnce(dataset, days, alerts, deps);
  return {
    dataset,
    file: file.name,
    format,
    method: aggregation.method,
    rows,
    issues,
    issueExamples,
    dropped,
    items: aggregation.consensus.length,
    labelled: labelled.length,
    ...counts,
    agreement: krippendorffAlpha(table),
    annotators: aggregation.annotators,
    days: records,
    alerts,
    digest,
  };
}

/** One message per ingestion listing the alerting days; claimed so a re-ingested file sends nothing. */
async function notifyOnce(
  dataset: string,
  days: readonly string[],
  alerts: readonly DayAlert[],
  deps: IngestLabelsDeps,
) {
  if (alerts.length === 0) return undefined;
  const label = `performance ${days.join(', ')}`;
  const digest = buildDigest({
    dataset,
    day: label,
    results: alerts.map((a) => ({ ...a, feature: undefined })),
  });
  if (!digest) return undefined;
  const alerting = [...new Set(alerts.map((a) => a.day))];
  const subject = plainText(
    `[Driftwatch] ${dataset}: model performance fell on ${alerting.length === 1 ? alerting[0] : `${alerting.length} days (${alerting.join(', ')})`}`,
    MAX_SUBJECT_LENGTH,
  );
  const message: Digest = {
    ...digest,
    subject,
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
