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
import { SnsNotifier } from '../adapters/aws/sns-notifier.ts';
import type { LabelChunks } from '../core/labels/parse-labels.ts';
import { underPrefix } from '../core/util/key-prefix.ts';
import { type IngestLabelsDeps, ingestLabels } from '../use-cases/ingest-labels.ts';
import { keyPrefixEnv, monitorConfigEnv, requireEnv } from './environment.ts';
import { imageEventsOf } from './s3-events.ts';

export interface IngestLabelsHandlerDeps extends IngestLabelsDeps {
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
 * ingest-labels: S3 labels/<dataset>/… → SQS → parse, aggregate, join with predictions, recompute
 * the touched prediction days and alert on performance. One label file per record; a failed file
 * is retried by SQS and parked in the DLQ after the configured receives.
 */
export function makeHandler(deps: IngestLabelsHandlerDeps) {
  const { logger, metrics } = deps;
  const recordHandler = async (record: SQSRecord) => {
    for (const event of imageEventsOf(record)) {
      const dataset = LABEL_KEY.exec(underPrefix(event.key, deps.keyPrefix ?? '') ?? '')?.[1];
      if (!dataset) {
        logger.warn('ignoring a key outside <prefix>labels/<dataset>/', { key: event.key });
        continue;
      }
      const first = await deps.openObject(event.bucket, event.key);
      if (!first) {
        logger.warn('label file no longer exists', { key: event.key });
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
      logger.info('labels ingested', {
        ...counts,
        days: days.map((d) => ({
          day: d.day,
          accuracy: d.metrics.accuracy,
          labelled: d.metrics.labelled,
        })),
      });
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
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  const s3 = new S3Client({});
  const now = () => new Date();
  return {
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

/** Streams an object's body; undefined when it no longer exists. */
export function s3Opener(s3: S3Client) {
  return async (
    bucket: string,
    key: string,
    ifMatch?: string,
  ): Promise<OpenedObject | undefined> => {
    try {
      const { Body, ETag } = await s3.send(
        new GetObjectCommand({ Bucket: bucket, Key: key, IfMatch: ifMatch }),
      );
      return { chunks: (Body as unknown as LabelChunks | undefined) ?? [], etag: ETag };
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey')
        return undefined;
      throw error;
    }
  };
}

let handlerInstance: ReturnType<typeof makeHandler> | undefined;

export const handler = (event: SQSEvent, context: Context) => {
  handlerInstance ??= makeHandler(defaultDeps());
  return handlerInstance(event, context);
};
