import { Duration, RemovalPolicy, TimeZone } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import {
  AttributeType,
  BillingMode,
  ProjectionType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { BlockPublicAccess, Bucket, BucketEncryption, EventType } from 'aws-cdk-lib/aws-s3';
import { SqsDestination } from 'aws-cdk-lib/aws-s3-notifications';
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
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
import type { EnvironmentConfig } from './environments.ts';
import { PipelineFunction } from './pipeline-function.ts';

/**
 * The whole Driftwatch pipeline for one environment:
 * S3 images/ and reference/ → SQS (+DLQ) → profile-images → DynamoDB;
 * EventBridge Scheduler (nightly, in the configured time zone) → run-monitors → SNS digest;
 * S3 labels/ → SQS (+DLQ) → ingest-labels → performance in DynamoDB, manifests in S3, SNS alert;
 * CloudWatch alarms on the DLQ and on function errors → the same topic.
 */
export class DriftPipeline extends Construct {
  readonly bucket: Bucket;
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

  constructor(scope: Construct, id: string, config: EnvironmentConfig) {
    super(scope, id);
    const dataRemoval = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    const accessLogs = new Bucket(this, 'AccessLogs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy: dataRemoval,
    });
    this.bucket = new Bucket(this, 'Data', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'data/',
      lifecycleRules: [
        {
          id: 'expire-reports',
          prefix: REPORT_PREFIX,
          expiration: Duration.days(config.reportRetentionDays),
        },
        // A manifest upload cut short (timeout, crash) leaves parts nobody sees but everyone pays for.
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      removalPolicy: dataRemoval,
    });

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
    const topicKey = new Key(this, 'TopicKey', {
      enableKeyRotation: true,
      description: 'Driftwatch alert topic',
    });
    topicKey.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
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
    for (const prefix of IMAGE_PREFIXES) {
      this.bucket.addEventNotification(
        EventType.OBJECT_CREATED,
        new SqsDestination(this.imagesQueue),
        { prefix },
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
      new SqsDestination(this.labelsQueue),
      {
        prefix: LABEL_PREFIX,
      },
    );

    this.profileFunction = new PipelineFunction(this, 'ProfileImages', {
      handler: 'profile-images',
      ...PROFILE_FUNCTION,
      nativeModules: ['sharp'],
      environment: {
        TABLE_NAME: this.table.tableName,
        TIME_ZONE: config.timeZone,
        RECORD_TTL_DAYS: String(config.recordTtlDays),
        PARTIAL_SETTLE_SECONDS: String(PARTIAL_SETTLE_SECONDS),
        ROLLUP_EVERY_COMMITS: String(ROLLUP_EVERY_COMMITS),
        // segments.fromKey decides where an image's segment comes from.
        MONITOR_CONFIG: JSON.stringify(config.monitorConfig),
      },
    });
    const profileFn = this.profileFunction.fn;
    profileFn.addEventSource(
      new SqsEventSource(this.imagesQueue, {
        batchSize: config.batchSize,
        maxBatchingWindow: Duration.seconds(config.maxBatchingWindowSeconds),
        reportBatchItemFailures: true,
      }),
    );
    profileFn.addToRolePolicy(
      new PolicyStatement({
        actions: ['s3:GetObject'],
        resources: IMAGE_PREFIXES.map((prefix) => this.bucket.arnForObjects(`${prefix}*`)),
      }),
    );
    // PutItem commits partials and image records; GetItem and Query roll the day's partials up.
    this.allowTable(profileFn, 'dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:Query');

    this.monitorsFunction = new PipelineFunction(this, 'RunMonitors', {
      handler: 'run-monitors',
      ...MONITORS_FUNCTION,
      nativeModules: ['sharp'],
      environment: {
        TABLE_NAME: this.table.tableName,
        BUCKET_NAME: this.bucket.bucketName,
        TOPIC_ARN: this.topic.topicArn,
        TIME_ZONE: config.timeZone,
        MONITOR_CONFIG: JSON.stringify(config.monitorConfig),
      },
    });
    const monitorsFn = this.monitorsFunction.fn;
    // Reports go to reports/ (the day held by latest/ is read back so it only moves forward);
    // thumbnails of extreme images are read from images/.
    monitorsFn.addToRolePolicy(
      new PolicyStatement({
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects(`${REPORT_PREFIX}*`)],
      }),
    );
    monitorsFn.addToRolePolicy(
      new PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [
          this.bucket.arnForObjects('images/*'),
          this.bucket.arnForObjects(`${REPORT_PREFIX}*`),
        ],
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

    this.labelsFunction = new PipelineFunction(this, 'IngestLabels', {
      handler: 'ingest-labels',
      ...LABELS_FUNCTION,
      environment: {
        TABLE_NAME: this.table.tableName,
        BUCKET_NAME: this.bucket.bucketName,
        TOPIC_ARN: this.topic.topicArn,
        MONITOR_CONFIG: JSON.stringify(config.monitorConfig),
      },
    });
    const labelsFn = this.labelsFunction.fn;
    labelsFn.addEventSource(
      new SqsEventSource(this.labelsQueue, { batchSize: 1, reportBatchItemFailures: true }),
    );
    labelsFn.addToRolePolicy(
      new PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [this.bucket.arnForObjects(`${LABEL_PREFIX}*`)],
      }),
    );
    labelsFn.addToRolePolicy(
      new PolicyStatement({
        // Large manifests go up in parts; AbortMultipartUpload cleans up after a failed one.
        actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
        resources: [this.bucket.arnForObjects(`${MANIFEST_PREFIX}*`)],
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

    new Schedule(this, 'Nightly', {
      description: 'Driftwatch: evaluate yesterday for every dataset that had images',
      schedule: ScheduleExpression.cron({
        minute: String(config.nightly.minute),
        hour: String(config.nightly.hour),
        timeZone: TimeZone.of(config.timeZone),
      }),
      target: new LambdaInvoke(monitorsFn, { input: ScheduleTargetInput.fromObject({}) }),
    });

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
      ['ProfileImagesErrors', profileFn],
      ['RunMonitorsErrors', monitorsFn],
      ['IngestLabelsErrors', labelsFn],
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
