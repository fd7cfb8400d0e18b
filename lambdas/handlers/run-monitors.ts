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
import { MAX_DATASET_NAME_LENGTH } from '../core/profile/dataset-name.ts';
import { isIsoDay } from '../core/util/time.ts';
import { type ObjectStore, ObjectTooLargeError } from '../ports/object-store.ts';
import { DEFAULT_OBJECT_LIMITS } from '../use-cases/profile-batch.ts';
import {
  InvalidRequestError,
  type NightFailure,
  type RunNightsDeps,
  type RunNightsRequest,
  runNights,
} from '../use-cases/run-nights.ts';
import { keyPrefixEnv, monitorConfigEnv, requireEnv, timeZoneEnv } from './environment.ts';

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
    // Capped so no error (or log line) quotes a huge value back; the name's other rules are the
    // use case's (core/profile/dataset-name.ts). Days are checked whole, never quoted.
    dataset: z.string().min(1).max(MAX_DATASET_NAME_LENGTH).optional(),
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
    warnings?: readonly string[];
  }[];
}

/**
 * Some nights failed; the others ran. Thrown at the end of the invocation so the function's
 * error alarm fires; names at most a few datasets, each cleaned and shortened.
 */
export class NightsFailedError extends Error {
  constructor(failures: readonly NightFailure[], evaluated: number) {
    const names = [...new Set(failures.map((f) => plainText(f.dataset, 60)))];
    const shown =
      names.slice(0, 5).join(', ') + (names.length > 5 ? `, and ${names.length - 5} more` : '');
    super(
      `${failures.length} of ${failures.length + evaluated} nights failed (datasets: ${shown}); the other nights ran. See the log for each error.`,
    );
    this.name = 'NightsFailedError';
  }
}

export function makeHandler(deps: RunMonitorsDeps) {
  const { logger, metrics } = deps;
  return async (event: unknown, context?: Context): Promise<RunMonitorsResponse> => {
    if (context) logger.addContext(context);
    const request = parseRunMonitorsRequest(event);
    const { outcomes, failures } = await runNights(request, deps);
    const nights = outcomes.map(({ record }) => ({
      dataset: record.dataset,
      day: record.day,
      images: record.images,
      unreadable: record.unreadable,
      alerts: record.results.filter((r) => r.fired).length,
      digest: record.digest,
      ...(record.warnings ? { warnings: record.warnings } : {}),
    }));
    for (const n of nights) {
      if (n.warnings) logger.warn('night evaluated with warnings', n);
      else logger.info('night evaluated', n);
      metrics.addMetric('AlertsFired', MetricUnit.Count, n.alerts);
    }
    for (const failure of failures)
      logger.error('night failed; the other datasets ran', {
        dataset: plainText(failure.dataset, 100),
        day: failure.day,
        error: plainText(failure.error.message, 300),
      });
    metrics.addMetric('NightsEvaluated', MetricUnit.Count, nights.length);
    metrics.addMetric('NightsFailed', MetricUnit.Count, failures.length);
    metrics.publishStoredMetrics();
    if (failures.length > 0) throw new NightsFailedError(failures, nights.length);
    return { nights };
  };
}

export function defaultDeps(env: NodeJS.ProcessEnv = process.env): RunMonitorsDeps {
  const timeZone = timeZoneEnv(env);
  const tableName = requireEnv('TABLE_NAME', env);
  const bucket = requireEnv('BUCKET_NAME', env);
  const region = requireEnv('AWS_REGION', env);
  const prefix = keyPrefixEnv(env);
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  const s3 = new S3Client({});
  const profiles = new DynamoProfileStore(db, tableName);
  const objects = new S3ObjectStore(s3);
  const labels = new DynamoLabelStore(db, tableName, s3, bucket, prefix);
  return {
    labels,
    reportUrl: (dataset, day) => reportConsoleUrl(bucket, region, dataset, day, prefix),
    reports: {
      store: new S3ReportStore(s3, bucket, prefix),
      build: {
        labels,
        thumbnail: (key) => thumbnailOf(objects, bucket, key, prefix),
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

/**
 * The thumbnail of an extreme image: only under <prefix>images/ (the keys come from stored profiles, and
 * an uploaded reference profile can name any key) and only up to the size profile-images accepts.
 */
export async function thumbnailOf(
  objects: ObjectStore,
  bucket: string,
  key: string,
  prefix = '',
): Promise<string | undefined> {
  if (!key.startsWith(`${prefix}images/`)) return undefined;
  try {
    const object = await objects.getObject(bucket, key, {
      maxBytes: DEFAULT_OBJECT_LIMITS.imageBytes,
    });
    return object ? thumbnailDataUri(object.bytes) : undefined;
  } catch (error) {
    if (error instanceof ObjectTooLargeError) return undefined;
    throw error;
  }
}

let handlerInstance: ReturnType<typeof makeHandler> | undefined;

export const handler = (event: unknown, context: Context) => {
  handlerInstance ??= makeHandler(defaultDeps());
  return handlerInstance(event, context);
};
