import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, NoSuchKey, S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { DynamoLabelStore } from '../adapters/aws/dynamo-label-store.ts';
import { DynamoNightStore } from '../adapters/aws/dynamo-night-store.ts';
import { DynamoPredictionIndex } from '../adapters/aws/dynamo-prediction-index.ts';
import { destroy } from '../adapters/aws/s3-object-store.ts';
import { reportConsoleUrl } from '../adapters/aws/s3-report-store.ts';
import { SnsNotifier } from '../adapters/aws/sns-notifier.ts';
import { plainText } from '../core/drift/digest.ts';
import type { LabelChunks } from '../core/labels/parse-labels.ts';
import { datasetNameProblem } from '../core/profile/dataset-name.ts';
import { underPrefix } from '../core/util/key-prefix.ts';
import { ObjectTooLargeError } from '../ports/object-store.ts';
import {
  type IngestLabelsDeps,
  type IngestSummary,
  ingestLabels,
} from '../use-cases/ingest-labels.ts';
import { keyForLog } from '../use-cases/profile-batch.ts';
import { keyPrefixEnv, monitorConfigEnv, requireEnv } from './environment.ts';
import { eventsByBucket } from './s3-events.ts';

export interface IngestLabelsHandlerDeps extends IngestLabelsDeps {
  /** The pipeline's bucket: events naming any other are ignored and counted. */
  readonly bucket: string;
  /**
   * The label file's bytes as a stream (never read whole: exports can be large) and its ETag;
   * undefined when it no longer exists. With `ifMatch`, fails if the object changed since.
   */
  readonly openObject: (
    bucket: string,
    key: string,
    ifMatch?: string,
  ) => Promise<OpenedObject | undefined>;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** The prefix labels/ lives under ('' by default; core/util/key-prefix.ts). */
  readonly keyPrefix?: string;
}

export interface OpenedObject {
  readonly chunks: LabelChunks;
  readonly etag?: string | undefined;
}

const LABEL_KEY = /^labels\/([^/]+)\/.+[^/]$/;

/**
 * Label files above this are refused before their body is read. They are streamed, so memory is
 * not the limit: time is. 100 MB (779,256 images) takes ~60 s of the 600 s timeout on AWS
 * (docs/performance.md); 512 MiB stays inside it.
 */
export const MAX_LABEL_FILE_BYTES = 512 * 1024 * 1024;

/**
 * ingest-labels: S3 labels/<dataset>/… → SQS → parse, aggregate, join with predictions, recompute
 * the touched prediction days and alert on performance. One label file per record; a failed file
 * is retried by SQS and parked in the DLQ after the configured receives. Events for another
 * bucket, refused dataset names and files above MAX_LABEL_FILE_BYTES are logged, counted and
 * dropped: retrying them cannot help.
 */
export function makeHandler(deps: IngestLabelsHandlerDeps) {
  const { logger, metrics } = deps;
  const recordHandler = async (record: SQSRecord) => {
    const { ours, foreign } = eventsByBucket(record, deps.bucket);
    for (const other of foreign) {
      logger.warn('ignoring an event for another bucket', { bucket: plainText(other.bucket, 64) });
      metrics.addMetric('EventsFromOtherBuckets', MetricUnit.Count, 1);
    }
    for (const event of ours) {
      const key = keyForLog(event.key);
      const dataset = LABEL_KEY.exec(underPrefix(event.key, deps.keyPrefix ?? '') ?? '')?.[1];
      if (!dataset) {
        logger.warn('ignoring a key outside <prefix>labels/<dataset>/', { key });
        continue;
      }
      const problem = datasetNameProblem(dataset);
      if (problem) {
        logger.warn('refusing a label file: invalid dataset name', { key, problem });
        metrics.addMetric('DatasetNamesRefused', MetricUnit.Count, 1);
        continue;
      }
      let first: OpenedObject | undefined;
      try {
        first = await deps.openObject(event.bucket, event.key);
      } catch (error) {
        if (!(error instanceof ObjectTooLargeError)) throw error;
        logger.warn('refusing a label file above the size limit', { key, error: error.message });
        metrics.addMetric('ObjectsTooLarge', MetricUnit.Count, 1);
        continue;
      }
      if (!first) {
        logger.warn('label file no longer exists', { key });
        continue;
      }
      // A crowd file is read twice; the second read must see the same version of the object.
      let reads = 0;
      const open = async () => {
        if (reads++ === 0) return first.chunks;
        const again = await deps.openObject(event.bucket, event.key, first.etag);
        if (!again) throw new Error(`${event.key} was deleted while it was ingested`);
        return again.chunks;
      };
      const summary = await ingestLabels({ dataset, name: event.key, open }, deps);
      const { days, annotators, digest, ...counts } = summary;
      const fields = {
        ...counts,
        days: days.map((d) => ({
          day: d.day,
          accuracy: d.metrics.accuracy,
          labelled: d.metrics.labelled,
        })),
      };
      // Rows that could not be read, or labels that name no image with a prediction, mean someone
      // should look at the file or the uploads: WARN, so they show where alarms and filters look.
      if (labelFileProblems(summary) > 0) logger.warn('labels ingested with problems', fields);
      else logger.info('labels ingested', fields);
      metrics.addMetric('LabelsIngested', MetricUnit.Count, summary.labelled);
      metrics.addMetric('LabelRowsRejected', MetricUnit.Count, summary.issues);
      metrics.addMetric('PerformanceAlerts', MetricUnit.Count, summary.alerts.length);
    }
  };
  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    logger.addContext(context);
    const response = await processPartialResponse(
      event,
      recordHandler,
      new BatchProcessor(EventType.SQS),
      {
        context,
        throwOnFullBatchFailure: false,
        processInParallel: false,
      },
    );
    metrics.publishStoredMetrics();
    return response;
  };
}

export function defaultDeps(env: NodeJS.ProcessEnv = process.env): IngestLabelsHandlerDeps {
  const tableName = requireEnv('TABLE_NAME', env);
  const bucket = requireEnv('BUCKET_NAME', env);
  const keyPrefix = keyPrefixEnv(env);
  const region = requireEnv('AWS_REGION', env);
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  const s3 = new S3Client({});
  const now = () => new Date();
  return {
    bucket,
    // The alert links the alerting days' reports, written by run-monitors, as its digest does.
    reportUrl: (dataset, day) => reportConsoleUrl(bucket, region, dataset, day, keyPrefix),
    predictions: new DynamoPredictionIndex(db, tableName, now),
    labels: new DynamoLabelStore(db, tableName, s3, bucket, keyPrefix),
    nights: new DynamoNightStore(db, tableName),
    notifier: new SnsNotifier(new SNSClient({}), requireEnv('TOPIC_ARN', env)),
    config: monitorConfigEnv(env),
    now,
    openObject: s3Opener(s3),
    logger: new Logger({ serviceName: 'driftwatch-ingest-labels' }),
    metrics: new Metrics({ namespace: 'Driftwatch', serviceName: 'ingest-labels' }),
    keyPrefix,
  };
}

/** Rows refused and labels not joined with a prediction (dropped rows, e.g. rejected assignments, are by design). */
export function labelFileProblems(
  summary: Pick<
    IngestSummary,
    'issues' | 'unmatched' | 'ambiguous' | 'expired' | 'withoutPrediction'
  >,
): number {
  return (
    summary.issues +
    summary.unmatched +
    summary.ambiguous +
    summary.expired +
    summary.withoutPrediction
  );
}

/**
 * Streams an object's body; undefined when it no longer exists. Throws ObjectTooLargeError, before
 * reading, for an object above `maxBytes` (and while reading, when S3 sent no Content-Length).
 */
export function s3Opener(s3: S3Client, maxBytes = MAX_LABEL_FILE_BYTES) {
  return async (
    bucket: string,
    key: string,
    ifMatch?: string,
  ): Promise<OpenedObject | undefined> => {
    try {
      const { Body, ETag, ContentLength } = await s3.send(
        new GetObjectCommand({ Bucket: bucket, Key: key, IfMatch: ifMatch }),
      );
      if (ContentLength !== undefined && ContentLength > maxBytes) {
        destroy(Body);
        throw new ObjectTooLargeError(ContentLength, maxBytes);
      }
      const chunks = (Body as unknown as LabelChunks | undefined) ?? [];
      return {
        chunks: ContentLength === undefined ? capped(chunks, maxBytes) : chunks,
        etag: ETag,
      };
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey')
        return undefined;
      throw error;
    }
  };
}

/** The chunks, failing once more than `maxBytes` have gone by. */
async function* capped(chunks: LabelChunks, maxBytes: number): AsyncGenerator<Uint8Array | string> {
  let total = 0;
  for await (const chunk of chunks) {
    total += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
    if (total > maxBytes) throw new ObjectTooLargeError(undefined, maxBytes);
    yield chunk;
  }
}

let handlerInstance: ReturnType<typeof makeHandler> | undefined;

export const handler = (event: SQSEvent, context: Context) => {
  handlerInstance ??= makeHandler(defaultDeps());
  return handlerInstance(event, context);
};
