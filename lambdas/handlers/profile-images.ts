import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import {
  DEFAULT_CLAIM_LEASE_SECONDS,
  DynamoPartialCommitter,
} from '../adapters/aws/dynamo-partial-committer.ts';
import { S3ObjectStore } from '../adapters/aws/s3-object-store.ts';
import { SharpDecoder } from '../adapters/sharp-codec.ts';
import { plainText } from '../core/drift/digest.ts';
import { WeightedSemaphore } from '../core/util/weighted-semaphore.ts';
import { pixelBudgetFor } from '../use-cases/pixel-budget.ts';
import {
  commitPrepared,
  DEFAULT_OBJECT_LIMITS,
  type PreparedImage,
  type ProfileBatchDeps,
  pixelBudgetOf,
  prepareImage,
} from '../use-cases/profile-batch.ts';
import {
  keyPrefixEnv,
  monitorConfigEnv,
  numberEnv,
  requireEnv,
  timeZoneEnv,
} from './environment.ts';
import { eventsByBucket } from './s3-events.ts';

/**
 * Records read and profiled at once. The batch processor would start all of a batch's records
 * together, and each holds its object's bytes (up to 32 MiB: DEFAULT_OBJECT_LIMITS) while it
 * waits for the pixel budget; ten keep a batch of 100 within the memory a batch of 10 needed.
 */
const READS_IN_FLIGHT = 10;

export interface ProfileImagesDeps extends ProfileBatchDeps {
  /** The pipeline's bucket: events naming any other are ignored and counted. */
  readonly bucket: string;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/**
 * profile-images: SQS batches of S3 object-created events → one partial profile per dataset-day
 * and one record per image in DynamoDB. Reading and profiling run per record under Powertools'
 * batch processor (failed records are reported back to SQS); the batch is then committed at once.
 */
export function makeHandler(deps: ProfileImagesDeps) {
  const { logger, metrics } = deps;
  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    logger.addContext(context);
    const prepared: PreparedImage[] = [];
    // One budget per invocation, shared by the records the batch processor runs in parallel.
    const pixelBudget = pixelBudgetOf(deps);
    const skipped = { otherBucket: 0, outsidePrefixes: 0, invalidDatasetName: 0 };
    // The batch processor starts every record at once; at most READS_IN_FLIGHT read and profile.
    const reads = new WeightedSemaphore(READS_IN_FLIGHT);
    const recordHandler = (record: SQSRecord) => reads.use(1, () => handleRecord(record));
    const handleRecord = async (record: SQSRecord) => {
      try {
        const { ours, foreign } = eventsByBucket(record, deps.bucket);
        for (const other of foreign) {
          skipped.otherBucket++;
          logger.warn('ignoring an event for another bucket', {
            bucket: plainText(other.bucket, 64),
          });
        }
        for (const imageEvent of ours) {
          const item = await prepareImage(imageEvent, deps, pixelBudget);
          if (!('skipped' in item)) prepared.push(item);
          else if (item.skipped === 'outside-prefixes') skipped.outsidePrefixes++;
          else skipped.invalidDatasetName++;
        }
      } catch (error) {
        logger.warn('record failed; SQS will redeliver it', {
          messageId: record.messageId,
          error: plainText((error as Error).message, 300),
        });
        throw error;
      }
    };
    const processor = new BatchProcessor(EventType.SQS);
    const response = await processPartialResponse(event, recordHandler, processor, {
      context,
      throwOnFullBatchFailure: false,
    });
    const failedToRead = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));

    const committed = await commitPrepared(prepared, deps);
    metrics.addMetric('ImagesProfiled', MetricUnit.Count, committed.profiled);
    metrics.addMetric('ImagesUnreadable', MetricUnit.Count, committed.unreadable);
    metrics.addMetric('ImagesAlreadyCounted', MetricUnit.Count, committed.alreadyCounted);
    metrics.addMetric('PredictionsUpdated', MetricUnit.Count, committed.predictionsUpdated);
    metrics.addMetric('ImagesClaimedElsewhere', MetricUnit.Count, committed.claimedElsewhere);
    metrics.addMetric('EventsFromOtherBuckets', MetricUnit.Count, skipped.otherBucket);
    metrics.addMetric('DatasetNamesRefused', MetricUnit.Count, skipped.invalidDatasetName);
    metrics.addMetric(
      'ObjectsTooLarge',
      MetricUnit.Count,
      prepared.filter((p) => p.record.unreadable === 'too-large').length,
    );
    metrics.publishStoredMetrics();
    logger.info('batch profiled', { messages: event.Records.length, ...committed, skipped });

    const failures = new Set([...failedToRead, ...committed.failedMessageIds]);
    return { batchItemFailures: [...failures].map((itemIdentifier) => ({ itemIdentifier })) };
  };
}

/** Dependencies from the environment, built once per container. */
export function defaultDeps(env: NodeJS.ProcessEnv = process.env): ProfileImagesDeps {
  const timeZone = timeZoneEnv(env);
  // Only the segment settings matter here; parsing the whole config fails a bad one at cold start.
  const { segments } = monitorConfigEnv(env);
  const logger = new Logger({ serviceName: 'driftwatch-profile-images' });
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  return {
    bucket: requireEnv('BUCKET_NAME', env),
    maxPixelsInFlight: numberEnv(
      'MAX_PIXELS_IN_FLIGHT',
      pixelBudgetFor(numberEnv('AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 1769, env)),
      env,
    ),
    objectLimits: {
      imageBytes: numberEnv('MAX_IMAGE_BYTES', DEFAULT_OBJECT_LIMITS.imageBytes, env),
      profileBytes: DEFAULT_OBJECT_LIMITS.profileBytes,
    },
    objects: new S3ObjectStore(new S3Client({})),
    committer: new DynamoPartialCommitter(db, requireEnv('TABLE_NAME', env), {
      claimLeaseSeconds: numberEnv('CLAIM_LEASE_SECONDS', DEFAULT_CLAIM_LEASE_SECONDS, env),
      compaction: {
        every: numberEnv('ROLLUP_EVERY_COMMITS', 32, env),
        settleSeconds: numberEnv('PARTIAL_SETTLE_SECONDS', 300, env),
      },
      onCompactionError: (error) =>
        logger.warn('could not roll up settled partials; a later commit retries', {
          error: error.message,
        }),
    }),
    decoder: new SharpDecoder(),
    timeZone,
    recordTtlDays: numberEnv('RECORD_TTL_DAYS', 90, env),
    segments: { fromKey: segments.fromKey },
    keyPrefix: keyPrefixEnv(env),
    logger,
    metrics: new Metrics({ namespace: 'Driftwatch', serviceName: 'profile-images' }),
    log: (level, message, fields) => logger[level](message, fields ?? {}),
  };
}

let handlerInstance: ReturnType<typeof makeHandler> | undefined;

export const handler = (event: SQSEvent, context: Context) => {
  handlerInstance ??= makeHandler(defaultDeps());
  return handlerInstance(event, context);
};
