import { Aws, Duration, RemovalPolicy, Stack, TimeZone } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import {
  AttributeType,
  BillingMode,
  ProjectionType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  EventType,
  type IBucket,
} from 'aws-cdk-lib/aws-s3';
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { parseKeyPrefix } from '../lambdas/core/util/key-prefix.ts';
import { AccountScopedQueueDestination } from './account-scoped-queue.ts';
import { adoptCdkSingletons } from './cdk-singletons.ts';
import {
  CLAIM_LEASE_SECONDS,
  IMAGE_PREFIXES,
  IMAGES_QUEUE_VISIBILITY_SECONDS,
  LABEL_PREFIX,
  LABELS_FUNCTION,
  LABELS_QUEUE_VISIBILITY_SECONDS,
  MANIFEST_PREFIX,
  MAX_RECEIVE_COUNT,
  MONITORS_FUNCTION,
  PARTIAL_SETTLE_SECONDS,
  PROFILE_FUNCTION,
  REPORT_PREFIX,
  ROLLUP_EVERY_COMMITS,
  TABLE_SCHEMA,
} from './definitions.ts';
import {
  describeIssues,
  type EnvironmentSettings,
  environmentFields,
  withBatchingRule,
} from './environments.ts';
import { acknowledgeWildcardResources, REASONS } from './nag-acknowledgements.ts';
import { PipelineFunction } from './pipeline-function.ts';

/** Settings of the pipeline (docs/operations.md, "Configure"); every one has a default. */
export type DriftPipelineSettings = Omit<EnvironmentSettings, 'account' | 'region'>;

export interface DriftPipelineProps extends DriftPipelineSettings {
  /**
   * An existing bucket to watch (e.g. `Bucket.fromBucketName(this, 'Images', 'my-images')`). Its
   * encryption, access logging, lifecycle and deletion stay yours; Driftwatch adds event
   * notifications for its prefixes (kept alongside the bucket's other notifications). Without it,
   * the pipeline creates an encrypted, access-logged bucket.
   */
  readonly bucket?: IBucket;
  /**
   * Where Driftwatch's areas live in the bucket: `<prefix>images/`, `reference/`, `labels/`,
   * `manifests/`, `reports/`. '' (the default) or path segments ending in '/', e.g. 'vision/'.
   */
  readonly prefix?: string;
}

/**
 * The whole Driftwatch pipeline for one environment:
 * S3 images/ and reference/ → SQS (+DLQ) → profile-images → DynamoDB;
 * EventBridge Scheduler (nightly, in the configured time zone) → run-monitors → SNS digest;
 * S3 labels/ → SQS (+DLQ) → ingest-labels → performance in DynamoDB, manifests in S3, SNS alert;
 * CloudWatch alarms on the DLQ and on function errors → the same topic.
 * Usable from any CDK app: `new DriftPipeline(this, 'Drift', { bucket, prefix: 'vision/' })`.
 */
export class DriftPipeline extends Construct {
  readonly bucket: IBucket;
  /** The key prefix of Driftwatch's areas in the bucket ('' for the bucket's root). */
  readonly prefix: string;
  /** Where run-monitors writes reports: `<prefix>reports/<dataset>/<day>/index.html`. */
  readonly reportPrefix: string;
  readonly table: Table;
  readonly topic: Topic;
  readonly imagesQueue: Queue;
  readonly imagesDlq: Queue;
  readonly profileFunction: PipelineFunction;
  readonly monitorsFunction: PipelineFunction;
  readonly labelsFunction: PipelineFunction;
  readonly labelsQueue: Queue;
  readonly labelsDlq: Queue;

  /** Table actions on the table itself, not on `index/*` as Table.grant() adds once an index exists. */
  private allowTable(fn: IFunction, ...actions: string[]): void {
    fn.addToRolePolicy(new PolicyStatement({ actions, resources: [this.table.tableArn] }));
  }

  constructor(scope: Construct, id: string, props: DriftPipelineProps = {}) {
    super(scope, id);
    // Grant S3 log delivery through a bucket policy, not the legacy ACL (cfn-lint W3045), in any app.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    const { bucket: existingBucket, prefix = '', ...settings } = props;
    const parsed = withBatchingRule(
      environmentFields.omit({ account: true, region: true }),
    ).safeParse(settings, { reportInput: true });
    if (!parsed.success)
      throw new Error(`invalid DriftPipeline settings:\n${describeIssues(parsed.error)}`);
    const config = parsed.data;
    this.prefix = parseKeyPrefix(prefix);
    this.reportPrefix = `${this.prefix}${REPORT_PREFIX}`;
    const under = (area: string) => `${this.prefix}${area}`;
    const dataRemoval = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const logs = {
      logRetention: RetentionDays.ONE_MONTH,
      logRemovalPolicy: dataRemoval,
    };

    this.bucket = existingBucket
      ? this.watched(existingBucket)
      : this.createBucket(config, dataRemoval);

    this.table = new Table(this, 'Table', {
      partitionKey: { name: TABLE_SCHEMA.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_SCHEMA.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TABLE_SCHEMA.timeToLiveAttribute,
      removalPolicy: dataRemoval,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: TABLE_SCHEMA.nameIndex.indexName,
      partitionKey: { name: TABLE_SCHEMA.nameIndex.partitionKey, type: AttributeType.STRING },
      projectionType: ProjectionType.INCLUDE,
      nonKeyAttributes: [...TABLE_SCHEMA.nameIndex.projected],
    });

    // A customer-managed key: the AWS-managed SNS key's policy cannot let CloudWatch alarms publish.
    // It encrypts only messages in flight, so dev schedules it for deletion with the stack.
    const topicKey = new Key(this, 'TopicKey', {
      enableKeyRotation: true,
      description: 'Driftwatch alert topic',
      removalPolicy: dataRemoval,
      pendingWindow: Duration.days(7),
    });
    // Only this account's alarms may use the key through CloudWatch (confused-deputy guard:
    // https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services).
    topicKey.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: {
            'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*`,
          },
        },
      }),
    );
    this.topic = new Topic(this, 'Alerts', {
      masterKey: topicKey,
      enforceSSL: true,
      displayName: `Driftwatch ${id}`,
    });
    for (const email of config.alertEmails)
      this.topic.addSubscription(new EmailSubscription(email));

    this.imagesDlq = new Queue(this, 'ImagesDlq', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.imagesQueue = new Queue(this, 'ImagesQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(IMAGES_QUEUE_VISIBILITY_SECONDS),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.imagesDlq, maxReceiveCount: MAX_RECEIVE_COUNT },
    });
    const bucketAccount = this.bucket.env.account;
    for (const area of IMAGE_PREFIXES) {
      this.bucket.addEventNotification(
        EventType.OBJECT_CREATED,
        new AccountScopedQueueDestination(this.imagesQueue, bucketAccount),
        { prefix: under(area) },
      );
    }
    this.labelsDlq = new Queue(this, 'LabelsDlq', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.labelsQueue = new Queue(this, 'LabelsQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(LABELS_QUEUE_VISIBILITY_SECONDS),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.labelsDlq, maxReceiveCount: MAX_RECEIVE_COUNT },
    });
    this.bucket.addEventNotification(
      EventType.OBJECT_CREATED,
      new AccountScopedQueueDestination(this.labelsQueue, bucketAccount),
      { prefix: under(LABEL_PREFIX) },
    );
    // Only a non-empty prefix is passed: the handlers read an absent KEY_PREFIX as ''.
    const keyPrefixEnv: Record<string, string> = this.prefix ? { KEY_PREFIX: this.prefix } : {};

    this.profileFunction = new PipelineFunction(this, 'ProfileImages', {
      handler: 'profile-images',
      ...PROFILE_FUNCTION,
      ...logs,
      nativeModules: ['sharp'],
      environment: {
        TABLE_NAME: this.table.tableName,
        // Events naming any other bucket are ignored (issue 15).
        BUCKET_NAME: this.bucket.bucketName,
        TIME_ZONE: config.timeZone,
        RECORD_TTL_DAYS: String(config.recordTtlDays),
        PARTIAL_SETTLE_SECONDS: String(PARTIAL_SETTLE_SECONDS),
        CLAIM_LEASE_SECONDS: String(CLAIM_LEASE_SECONDS),
        ROLLUP_EVERY_COMMITS: String(ROLLUP_EVERY_COMMITS),
        // segments.fromKey decides where an image's segment comes from.
        MONITOR_CONFIG: JSON.stringify(config.monitorConfig),
        ...keyPrefixEnv,
      },
    });
    const profileFn = this.profileFunction.fn;
    profileFn.addEventSource(
      new SqsEventSource(this.imagesQueue, {
        batchSize: config.batchSize,
        maxBatchingWindow: Duration.seconds(config.maxBatchingWindowSeconds),
        reportBatchItemFailures: true,
        maxConcurrency: config.imagesConcurrency,
      }),
    );
    const imageObjects = this.bucket.arnForObjects(`${under('images/')}*`);
    const referenceObjects = this.bucket.arnForObjects(`${under('reference/')}*`);
    profileFn.addToRolePolicy(
      new PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [imageObjects, referenceObjects],
      }),
    );
    // PutItem claims image records and commits partials; GetItem and Query roll the day's partials
    // up (GetItem also tells a committed claim from a live one); BatchGetItem looks for records
    // from before claims; UpdateItem puts a re-upload's corrected prediction on the image's record.
    this.allowTable(
      profileFn,
      'dynamodb:PutItem',
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
      'dynamodb:BatchGetItem',
    );
    // A bucket of yours encrypted with a KMS key: S3 reads need kms:Decrypt, writes
    // kms:GenerateDataKey (named exactly: no wildcard for cdk-nag to flag).
    this.bucket.encryptionKey?.grant(profileFn, 'kms:Decrypt');
    acknowledgeWildcardResources(this.profileFunction.role, [
      { arn: imageObjects, reason: REASONS.imagesRead },
      { arn: referenceObjects, reason: REASONS.referenceRead },
    ]);

    this.monitorsFunction = new PipelineFunction(this, 'RunMonitors', {
      handler: 'run-monitors',
      ...MONITORS_FUNCTION,
      ...logs,
      nativeModules: ['sharp'],
      environment: {
        TABLE_NAME: this.table.tableName,
        BUCKET_NAME: this.bucket.bucketName,
        TOPIC_ARN: this.topic.topicArn,
        TIME_ZONE: config.timeZone,
        MONITOR_CONFIG: JSON.stringify(config.monitorConfig),
        ...keyPrefixEnv,
      },
    });
    const monitorsFn = this.monitorsFunction.fn;
    // Reports go to reports/ (the day held by latest/ is read back so it only moves forward);
    // thumbnails of extreme images are read from images/.
    const reportObjects = this.bucket.arnForObjects(`${this.reportPrefix}*`);
    monitorsFn.addToRolePolicy(
      new PolicyStatement({ actions: ['s3:PutObject'], resources: [reportObjects] }),
    );
    monitorsFn.addToRolePolicy(
      new PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [imageObjects, reportObjects],
      }),
    );
    this.allowTable(
      monitorsFn,
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:PutItem',
      'dynamodb:DeleteItem',
    );
    monitorsFn.addToRolePolicy(
      new PolicyStatement({ actions: ['sns:Publish'], resources: [this.topic.topicArn] }),
    );
    topicKey.grant(monitorsFn, 'kms:Decrypt', 'kms:GenerateDataKey');
    this.bucket.encryptionKey?.grant(monitorsFn, 'kms:Decrypt', 'kms:GenerateDataKey');
    acknowledgeWildcardResources(this.monitorsFunction.role, [
      { arn: reportObjects, reason: REASONS.reportsWrite },
      { arn: imageObjects, reason: REASONS.thumbnailsRead },
    ]);

    this.labelsFunction = new PipelineFunction(this, 'IngestLabels', {
      handler: 'ingest-labels',
      ...LABELS_FUNCTION,
      ...logs,
      environment: {
        TABLE_NAME: this.table.tableName,
        BUCKET_NAME: this.bucket.bucketName,
        TOPIC_ARN: this.topic.topicArn,
        MONITOR_CONFIG: JSON.stringify(config.monitorConfig),
        ...keyPrefixEnv,
      },
    });
    const labelsFn = this.labelsFunction.fn;
    labelsFn.addEventSource(
      new SqsEventSource(this.labelsQueue, {
        batchSize: 1,
        reportBatchItemFailures: true,
        maxConcurrency: config.labelsConcurrency,
      }),
    );
    const labelObjects = this.bucket.arnForObjects(`${under(LABEL_PREFIX)}*`);
    const manifestObjects = this.bucket.arnForObjects(`${under(MANIFEST_PREFIX)}*`);
    labelsFn.addToRolePolicy(
      new PolicyStatement({ actions: ['s3:GetObject'], resources: [labelObjects] }),
    );
    labelsFn.addToRolePolicy(
      new PolicyStatement({
        // Large manifests go up in parts; AbortMultipartUpload cleans up after a failed one.
        actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
        resources: [manifestObjects],
      }),
    );
    this.allowTable(
      labelsFn,
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:PutItem',
      'dynamodb:DeleteItem',
      'dynamodb:BatchWriteItem',
      'dynamodb:BatchGetItem',
    );
    labelsFn.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: [`${this.table.tableArn}/index/${TABLE_SCHEMA.nameIndex.indexName}`],
      }),
    );
    labelsFn.addToRolePolicy(
      new PolicyStatement({ actions: ['sns:Publish'], resources: [this.topic.topicArn] }),
    );
    topicKey.grant(labelsFn, 'kms:Decrypt', 'kms:GenerateDataKey');
    this.bucket.encryptionKey?.grant(labelsFn, 'kms:Decrypt', 'kms:GenerateDataKey');
    acknowledgeWildcardResources(this.labelsFunction.role, [
      { arn: labelObjects, reason: REASONS.labelsRead },
      { arn: manifestObjects, reason: REASONS.manifestsWrite },
    ]);

    this.scheduleNightly(config.nightly, config.timeZone);
    this.addAlarms();
    adoptCdkSingletons(Stack.of(this), logs.logRetention, dataRemoval);
  }

  /**
   * A bucket of another stack is imported by name: CDK puts a bucket's notification resource in
   * the bucket's stack, which would then depend on our queues while we depend on its bucket (a
   * cycle). Imported, the notification lives here and only the name crosses stacks.
   */
  private watched(bucket: IBucket): IBucket {
    if (Stack.of(bucket) === Stack.of(this)) return bucket;
    return Bucket.fromBucketAttributes(this, 'WatchedBucket', {
      bucketName: bucket.bucketName,
      encryptionKey: bucket.encryptionKey,
    });
  }

  /** The data bucket and its access-log bucket; dev empties both on `cdk destroy`. */
  private createBucket(
    config: { retainData: boolean; reportRetentionDays: number },
    removalPolicy: RemovalPolicy,
  ): Bucket {
    const autoDeleteObjects = !config.retainData;
    const accessLogs = new Bucket(this, 'AccessLogs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy,
      autoDeleteObjects,
    });
    return new Bucket(this, 'Data', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'data/',
      lifecycleRules: [
        {
          id: 'expire-reports',
          prefix: `${this.prefix}${REPORT_PREFIX}`,
          expiration: Duration.days(config.reportRetentionDays),
        },
        // A manifest upload cut short (timeout, crash) leaves parts nobody sees but everyone pays for.
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      removalPolicy,
      autoDeleteObjects,
    });
  }

  /** EventBridge Scheduler → run-monitors with `{}` (yesterday), in the configured time zone. */
  private scheduleNightly(nightly: { hour: number; minute: number }, timeZone: string): void {
    // Our own role, so its one acknowledged wildcard (the function's qualifiers) is scoped to it;
    // only this account's default schedule group may assume it (as CDK's own target role).
    const role = new Role(this, 'NightlyRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: {
            'aws:SourceAccount': Aws.ACCOUNT_ID,
            'aws:SourceArn': `arn:${Aws.PARTITION}:scheduler:${Aws.REGION}:${Aws.ACCOUNT_ID}:schedule-group/default`,
          },
        },
      }),
      description: 'Driftwatch nightly schedule: invokes run-monitors',
    });
    new Schedule(this, 'Nightly', {
      description: 'Driftwatch: evaluate yesterday for every dataset that had images',
      schedule: ScheduleExpression.cron({
        minute: String(nightly.minute),
        hour: String(nightly.hour),
        timeZone: TimeZone.of(timeZone),
      }),
      target: new LambdaInvoke(this.monitorsFunction.fn, {
        input: ScheduleTargetInput.fromObject({}),
        role,
      }),
    });
    acknowledgeWildcardResources(role, [
      { arn: `${this.monitorsFunction.fn.functionArn}:*`, reason: REASONS.scheduleInvoke },
    ]);
  }

  private addAlarms(): void {
    const alarmAction = new SnsAction(this.topic);
    for (const [name, queue, what] of [
      ['ImagesDlqNotEmpty', this.imagesDlq, 'Image events'],
      ['LabelsDlqNotEmpty', this.labelsDlq, 'Label files'],
    ] as const) {
      const dlqAlarm = new Alarm(this, name, {
        alarmDescription: `${what} failed repeatedly and were parked in the DLQ: inspect and redrive them`,
        metric: queue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(5),
          statistic: 'Maximum',
        }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      dlqAlarm.addAlarmAction(alarmAction);
    }
    for (const [name, fn] of [
      ['ProfileImagesErrors', this.profileFunction.fn],
      ['RunMonitorsErrors', this.monitorsFunction.fn],
      ['IngestLabelsErrors', this.labelsFunction.fn],
    ] as const) {
      const alarm = new Alarm(this, name, {
        alarmDescription: `${fn.node.path} raised errors`,
        metric: fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(alarmAction);
    }
  }
}
