import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { DynamoLabelStore } from '../adapters/aws/dynamo-label-store.ts';
import { DynamoNightStore } from '../adapters/aws/dynamo-night-store.ts';
import { DynamoProfileStore } from '../adapters/aws/dynamo-profile-store.ts';
import { S3ObjectStore } from '../adapters/aws/s3-object-store.ts';
import { reportConsoleUrl, S3ReportStore } from '../adapters/aws/s3-report-store.ts';
import { SnsNotifier } from '../adapters/aws/sns-notifier.ts';
import { thumbnailDataUri } from '../adapters/sharp-codec.ts';
import { plainText } from '../core/drift/digest.ts';
import { isIsoDay } from '../core/util/time.ts';
import {
  InvalidRequestError,
  type RunNightsDeps,
  type RunNightsRequest,
  runNights,
} from '../use-cases/run-nights.ts';
import { monitorConfigEnv, requireEnv, timeZoneEnv } from './environment.ts';

/** A dataset is a segment of an S3 key, and a key holds at most 1,024 bytes. */
const MAX_DATASET_LENGTH = 1024;
/** Unknown field names quoted in an error, each cut to a readable length. */
const MAX_NAMED_FIELDS = 5;

const isoDay = z.string().refine(isIsoDay, 'is not a YYYY-MM-DD date');

/**
 * The scheduler sends `{}` (yesterday, every active dataset); a re-run names one `day`, a backfill
 * a `from`/`to` range; either may name a `dataset`. Strict: a misspelt field is an error that names
 * it, never a silent run of another day.
 */
const requestSchema = z
  .strictObject({
    dataset: z.string().min(1).max(MAX_DATASET_LENGTH).optional(),
    day: isoDay.optional(),
    from: isoDay.optional(),
    to: isoDay.optional(),
  })
  .refine((r) => r.day === undefined || (r.from === undefined && r.to === undefined), {
    message: 'give either day or from/to, not both',
  });

/** Reads a run-monitors invocation; a wrong one throws an InvalidRequestError saying what is wrong. */
export function parseRunMonitorsRequest(event: unknown): RunNightsRequest {
  const parsed = requestSchema.safeParse(event ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      if (issue.code !== 'unrecognized_keys')
        return issue.path.length > 0 ? `${issue.path.join('.')} ${issue.message}` : issue.message;
      const named = issue.keys.slice(0, MAX_NAMED_FIELDS).map((k) => `"${plainText(k, 40)}"`);
      const more = issue.keys.length - named.length;
      return `unknown field${issue.keys.length === 1 ? '' : 's'} ${named.join(', ')}${more > 0 ? ` and ${more} more` : ''} (allowed: dataset, day, from, to)`;
    });
    throw new InvalidRequestError(`run-monitors input: ${problems.join('; ')}`);
  }
  const { dataset, day, from, to } = parsed.data;
  return day === undefined ? { dataset, from, to } : { dataset, from: day, to: day };
}

export interface RunMonitorsDeps extends RunNightsDeps {
  readonly logger: Logger;
  readonly metrics: Metrics;
}

export interface RunMonitorsResponse {
  readonly nights: {
    dataset: string;
    day: string;
    images: number;
    unreadable: number;
    alerts: number;
    digest: string;
  }[];
}

export function makeHandler(deps: RunMonitorsDeps) {
  const { logger, metrics } = deps;
  return async (event: unknown, context?: Context): Promise<RunMonitorsResponse> => {
    if (context) logger.addContext(context);
    const request = parseRunMonitorsRequest(event);
    const outcomes = await runNights(request, deps);
    const nights = outcomes.map(({ record }) => ({
      dataset: record.dataset,
      day: record.day,
      images: record.images,
      unreadable: record.unreadable,
      alerts: record.results.filter((r) => r.fired).length,
      digest: record.digest,
    }));
    for (const n of nights) {
      logger.info('night evaluated', n);
      metrics.addMetric('AlertsFired', MetricUnit.Count, n.alerts);
    }
    metrics.addMetric('NightsEvaluated', MetricUnit.Count, nights.length);
    metrics.publishStoredMetrics();
    return { nights };
  };
}

export function defaultDeps(env: NodeJS.ProcessEnv = process.env): RunMonitorsDeps {
  const timeZone = timeZoneEnv(env);
  const tableName = requireEnv('TABLE_NAME', env);
  const bucket = requireEnv('BUCKET_NAME', env);
  const region = requireEnv('AWS_REGION', env);
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  const s3 = new S3Client({});
  const profiles = new DynamoProfileStore(db, tableName);
  const objects = new S3ObjectStore(s3);
  const labels = new DynamoLabelStore(db, tableName, s3, bucket);
  return {
    labels,
    reportUrl: (dataset, day) => reportConsoleUrl(bucket, region, dataset, day),
    reports: {
      store: new S3ReportStore(s3, bucket),
      build: {
        labels,
        thumbnail: async (key) => {
          const object = await objects.getObject(bucket, key);
          return object ? thumbnailDataUri(object.bytes) : undefined;
        },
      },
    },
    profiles,
    nights: new DynamoNightStore(db, tableName),
    notifier: new SnsNotifier(new SNSClient({}), requireEnv('TOPIC_ARN', env)),
    config: monitorConfigEnv(env),
    now: () => new Date(),
    timeZone,
    datasetsActiveOn: (day) => profiles.datasetsActiveOn(day),
    logger: new Logger({ serviceName: 'driftwatch-run-monitors' }),
    metrics: new Metrics({ namespace: 'Driftwatch', serviceName: 'run-monitors' }),
  };
}

let handlerInstance: ReturnType<typeof makeHandler> | undefined;

export const handler = (event: unknown, context: Context) => {
  handlerInstance ??= makeHandler(defaultDeps());
  return handlerInstance(event, context);
};
