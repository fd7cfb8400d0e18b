import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import {
  CreateTableCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateBucketCommand,
  PutBucketNotificationConfigurationCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  CLAIM_LEASE_SECONDS,
  IMAGE_PREFIXES,
  IMAGES_QUEUE_VISIBILITY_SECONDS,
  LABEL_PREFIX,
  LABELS_QUEUE_VISIBILITY_SECONDS,
  MAX_RECEIVE_COUNT,
  PARTIAL_SETTLE_SECONDS,
  PROFILE_FUNCTION,
  ROLLUP_EVERY_COMMITS,
  TABLE_SCHEMA,
} from '../../infra/definitions.ts';
import { DynamoLabelStore } from '../../lambdas/adapters/aws/dynamo-label-store.ts';
import { DynamoNightStore } from '../../lambdas/adapters/aws/dynamo-night-store.ts';
import { DynamoPartialCommitter } from '../../lambdas/adapters/aws/dynamo-partial-committer.ts';
import { DynamoPredictionIndex } from '../../lambdas/adapters/aws/dynamo-prediction-index.ts';
import { DynamoProfileStore } from '../../lambdas/adapters/aws/dynamo-profile-store.ts';
import { S3ObjectStore } from '../../lambdas/adapters/aws/s3-object-store.ts';
import { reportConsoleUrl, S3ReportStore } from '../../lambdas/adapters/aws/s3-report-store.ts';
import { SnsNotifier } from '../../lambdas/adapters/aws/sns-notifier.ts';
import { SharpDecoder } from '../../lambdas/adapters/sharp-codec.ts';
import { DEFAULT_MONITOR_CONFIG } from '../../lambdas/core/drift/monitor-config.ts';
import {
  type IngestLabelsHandlerDeps,
  makeHandler as makeLabelsHandler,
  s3Opener,
} from '../../lambdas/handlers/ingest-labels.ts';
import {
  makeHandler as makeProfileHandler,
  type ProfileImagesDeps,
} from '../../lambdas/handlers/profile-images.ts';
import {
  makeHandler as makeMonitorsHandler,
  type RunMonitorsDeps,
  thumbnailOf,
} from '../../lambdas/handlers/run-monitors.ts';
import { pixelBudgetFor } from '../../lambdas/use-cases/pixel-budget.ts';

export interface AwsClients {
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly dynamo: DynamoDBClient;
  readonly db: DynamoDBDocumentClient;
  readonly sns: SNSClient;
}

export function clientsFor(endpoint: string): AwsClients {
  const common = {
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  };
  const dynamo = new DynamoDBClient(common);
  return {
    s3: new S3Client({ ...common, forcePathStyle: true }),
    sqs: new SQSClient(common),
    dynamo,
    db: DynamoDBDocumentClient.from(dynamo),
    sns: new SNSClient(common),
  };
}

export interface PipelineResources {
  readonly bucket: string;
  readonly table: string;
  readonly imagesQueueUrl: string;
  readonly dlqUrl: string;
  readonly labelsQueueUrl: string;
  readonly topicArn: string;
  /** A queue subscribed to the topic, standing in for the email subscribers. */
  readonly inboxUrl: string;
  /** The key prefix of Driftwatch's areas ('' = the bucket's root), as the construct's `prefix`. */
  readonly prefix: string;
}

const queueArn = async (sqs: SQSClient, url: string) =>
  (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] })))
    .Attributes?.QueueArn as string;

/**
 * Creates the pipeline's resources with SDK calls, from the same definitions the CDK stack uses
 * (table keys and TTL, notification prefixes, DLQ receive count, visibility timeout).
 */
export async function createPipelineResources(
  c: AwsClients,
  name: string,
  { prefix = '' }: { prefix?: string } = {},
): Promise<PipelineResources> {
  const bucket = `${name}-data`;
  const table = `${name}-table`;
  await c.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await c.dynamo.send(
    new CreateTableCommand({
      TableName: table,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: TABLE_SCHEMA.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE_SCHEMA.sortKey, KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: TABLE_SCHEMA.partitionKey, AttributeType: 'S' },
        { AttributeName: TABLE_SCHEMA.sortKey, AttributeType: 'S' },
        { AttributeName: TABLE_SCHEMA.nameIndex.partitionKey, AttributeType: 'S' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: TABLE_SCHEMA.nameIndex.indexName,
          KeySchema: [{ AttributeName: TABLE_SCHEMA.nameIndex.partitionKey, KeyType: 'HASH' }],
          Projection: {
            ProjectionType: 'INCLUDE',
            NonKeyAttributes: [...TABLE_SCHEMA.nameIndex.projected],
          },
        },
      ],
    }),
  );
  await c.dynamo.send(
    new UpdateTimeToLiveCommand({
      TableName: table,
      TimeToLiveSpecification: { AttributeName: TABLE_SCHEMA.timeToLiveAttribute, Enabled: true },
    }),
  );
  const dlqUrl = (await c.sqs.send(new CreateQueueCommand({ QueueName: `${name}-images-dlq` })))
    .QueueUrl as string;
  const imagesQueueUrl = (
    await c.sqs.send(
      new CreateQueueCommand({
        QueueName: `${name}-images`,
        Attributes: {
          VisibilityTimeout: String(IMAGES_QUEUE_VISIBILITY_SECONDS),
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: await queueArn(c.sqs, dlqUrl),
            maxReceiveCount: MAX_RECEIVE_COUNT,
          }),
        },
      }),
    )
  ).QueueUrl as string;
  const imagesQueueArn = await queueArn(c.sqs, imagesQueueUrl);
  const labelsDlqUrl = (
    await c.sqs.send(new CreateQueueCommand({ QueueName: `${name}-labels-dlq` }))
  ).QueueUrl as string;
  const labelsQueueUrl = (
    await c.sqs.send(
      new CreateQueueCommand({
        QueueName: `${name}-labels`,
        Attributes: {
          VisibilityTimeout: String(LABELS_QUEUE_VISIBILITY_SECONDS),
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: await queueArn(c.sqs, labelsDlqUrl),
            maxReceiveCount: MAX_RECEIVE_COUNT,
          }),
        },
      }),
    )
  ).QueueUrl as string;
  const labelsQueueArn = await queueArn(c.sqs, labelsQueueUrl);
  await c.s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: bucket,
      NotificationConfiguration: {
        QueueConfigurations: [
          ...IMAGE_PREFIXES.map((area) => ({ arn: imagesQueueArn, area })),
          { arn: labelsQueueArn, area: LABEL_PREFIX },
        ].map(({ arn, area }) => ({
          QueueArn: arn,
          Events: ['s3:ObjectCreated:*'],
          Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: `${prefix}${area}` }] } },
        })),
      },
    }),
  );
  const topicArn = (await c.sns.send(new CreateTopicCommand({ Name: `${name}-alerts` })))
    .TopicArn as string;
  const inboxUrl = (await c.sqs.send(new CreateQueueCommand({ QueueName: `${name}-inbox` })))
    .QueueUrl as string;
  await c.sns.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: 'sqs',
      Endpoint: await queueArn(c.sqs, inboxUrl),
    }),
  );
  return { bucket, table, imagesQueueUrl, dlqUrl, labelsQueueUrl, topicArn, inboxUrl, prefix };
}

/**
 * The profile-images handler on these clients and resources, as deployed (UTC days, 90-day records,
 * rollups, the pixel budget of its memory).
 */
export function profileHandlerOn(
  clients: AwsClients,
  r: Pick<PipelineResources, 'bucket' | 'table'> & { prefix?: string },
  overrides: Partial<ProfileImagesDeps> = {},
) {
  return makeProfileHandler({
    bucket: r.bucket,
    keyPrefix: r.prefix ?? '',
    maxPixelsInFlight: pixelBudgetFor(PROFILE_FUNCTION.memoryMb),
    objects: new S3ObjectStore(clients.s3),
    committer: new DynamoPartialCommitter(clients.db, r.table, {
      claimLeaseSeconds: CLAIM_LEASE_SECONDS,
      compaction: { every: ROLLUP_EVERY_COMMITS, settleSeconds: PARTIAL_SETTLE_SECONDS },
    }),
    decoder: new SharpDecoder(),
    timeZone: 'UTC',
    recordTtlDays: 90,
    logger: new Logger({ logLevel: 'SILENT' }),
    metrics: new Metrics({ namespace: 'Test' }),
    ...overrides,
  });
}

/**
 * Writes `count` items made by `itemOf`, 25 per BatchWriteItem, one request at a time (moto leaves
 * nothing unprocessed; seeding for tests and benches only).
 */
export async function writeItems(
  clients: AwsClients,
  table: string,
  count: number,
  itemOf: (i: number) => Record<string, unknown>,
): Promise<void> {
  for (let start = 0; start < count; start += 25) {
    const puts = [];
    for (let i = start; i < Math.min(count, start + 25); i++)
      puts.push({ PutRequest: { Item: itemOf(i) } });
    await clients.db.send(new BatchWriteCommand({ RequestItems: { [table]: puts } }));
  }
}

/** The ingest-labels handler on these clients and resources, as deployed unless `overrides` say otherwise. */
export function labelsHandlerOn(
  clients: AwsClients,
  r: Pick<PipelineResources, 'bucket' | 'table' | 'topicArn'> & { prefix?: string },
  overrides: Partial<IngestLabelsHandlerDeps> = {},
) {
  const now = overrides.now ?? (() => new Date());
  return makeLabelsHandler({
    keyPrefix: r.prefix ?? '',
    bucket: r.bucket,
    predictions: new DynamoPredictionIndex(clients.db, r.table, now),
    labels: new DynamoLabelStore(clients.db, r.table, clients.s3, r.bucket, r.prefix ?? ''),
    nights: new DynamoNightStore(clients.db, r.table),
    notifier: new SnsNotifier(clients.sns, r.topicArn),
    config: DEFAULT_MONITOR_CONFIG,
    now,
    openObject: s3Opener(clients.s3),
    reportUrl: (dataset, day) => reportConsoleUrl(r.bucket, 'us-east-1', dataset, day),
    logger: new Logger({ logLevel: 'SILENT' }),
    metrics: new Metrics({ namespace: 'Test' }),
    ...overrides,
  });
}

/** The run-monitors handler on these resources, wired as the stack wires it (reports and links included). */
export function monitorsHandlerOn(
  clients: AwsClients,
  r: Pick<PipelineResources, 'bucket' | 'table' | 'topicArn'> & { prefix?: string },
  now: () => Date,
  overrides: Partial<RunMonitorsDeps> = {},
) {
  const prefix = r.prefix ?? '';
  const profiles = new DynamoProfileStore(clients.db, r.table);
  return makeMonitorsHandler({
    profiles,
    nights: new DynamoNightStore(clients.db, r.table),
    notifier: new SnsNotifier(clients.sns, r.topicArn),
    config: DEFAULT_MONITOR_CONFIG,
    now,
    timeZone: 'UTC',
    datasetsActiveOn: (day) => profiles.datasetsActiveOn(day),
    reportUrl: (dataset, day) => reportConsoleUrl(r.bucket, 'us-east-1', dataset, day, prefix),
    reports: {
      store: new S3ReportStore(clients.s3, r.bucket, prefix),
      build: {
        thumbnail: (key) => thumbnailOf(new S3ObjectStore(clients.s3), r.bucket, key),
      },
    },
    logger: new Logger({ logLevel: 'SILENT' }),
    metrics: new Metrics({ namespace: 'Test' }),
    ...overrides,
  });
}

/** The IAM action an SDK command needs (a transaction needs the actions of its items: we only Put). */
function iamActionOf(clientName: string, commandName: string): string {
  const service = {
    DynamoDBClient: 'dynamodb',
    S3Client: 's3',
    SNSClient: 'sns',
    SQSClient: 'sqs',
  }[clientName];
  const operation = commandName.replace(/Command$/, '');
  const action =
    {
      TransactWriteItems: 'PutItem',
      HeadObject: 'GetObject',
      CreateMultipartUpload: 'PutObject',
      UploadPart: 'PutObject',
      CompleteMultipartUpload: 'PutObject',
    }[operation] ?? operation;
  return `${service ?? clientName}:${action}`;
}

/** Clients that record, into `actions`, the IAM action of every command they send. */
export function recordingClients(endpoint: string, actions: Set<string>): AwsClients {
  const clients = clientsFor(endpoint);
  const record =
    (
      next: (args: unknown) => Promise<unknown>,
      context: { clientName?: string; commandName?: string },
    ) =>
    (args: unknown) => {
      actions.add(iamActionOf(context.clientName ?? '', context.commandName ?? ''));
      return next(args);
    };
  for (const client of [clients.s3, clients.sqs, clients.dynamo, clients.sns])
    (client.middlewareStack as unknown as { add: (m: typeof record, o: object) => void }).add(
      record,
      {
        step: 'initialize',
        name: 'recordIamAction',
      },
    );
  return clients;
}
