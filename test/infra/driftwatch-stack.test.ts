import { App, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import {
  MAX_RECEIVE_COUNT,
  PARTIAL_SETTLE_SECONDS,
  PROFILE_FUNCTION,
  ROLLUP_EVERY_COMMITS,
} from '../../infra/definitions.ts';
import { DriftPipeline } from '../../infra/drift-pipeline.ts';
import { environmentConfig } from '../../infra/environments.ts';
import { NAG_ACKNOWLEDGEMENTS } from '../../infra/nag-acknowledgements.ts';
import {
  actionsOf as actionsOfStack,
  statementsOf as statementsOfStack,
  synth,
} from '../helpers/stack.ts';

const { app, stack, template } = synth('prod');
const statementsOf = (name: string) => statementsOfStack(template, name);
const actionsOf = (name: string) => actionsOfStack(template, name);

describe('DriftwatchStack', () => {
  it('has no unacknowledged cdk-nag AwsSolutions finding', () => {
    // Acknowledgements made with Validations.of(stack).acknowledge(...) are honoured here.
    const report = new AwsSolutionsChecks(app).validateScope(stack);
    expect(report.violations).toEqual([]);
  });

  it('acknowledges exactly the findings the bare pipeline has, so a new finding fails the test above', () => {
    const bareApp = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const bare = new Stack(bareApp, 'Bare');
    bare.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    new DriftPipeline(bare, 'Pipeline', environmentConfig('prod'));
    const findings = new AwsSolutionsChecks(bareApp)
      .validateScope(bare)
      .violations.map((v) => v.ruleName);
    expect(new Set(findings)).toEqual(new Set(NAG_ACKNOWLEDGEMENTS.map((a) => a.id)));
    for (const a of NAG_ACKNOWLEDGEMENTS) expect(a.reason.length).toBeGreaterThan(40);
  });

  it('encrypts and blocks public access on the buckets, and requires TLS', () => {
    template.allResourcesProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
    const tlsOnly = Match.objectLike({
      PolicyDocument: Match.objectLike({
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      }),
    });
    for (const type of [
      'AWS::S3::BucketPolicy',
      'AWS::SQS::QueuePolicy',
      'AWS::SNS::TopicPolicy',
    ]) {
      expect(Object.keys(template.findResources(type)).length).toBeGreaterThan(0);
      template.allResourcesProperties(type, tlsOnly);
    }
  });

  it('expires reports and abandoned uploads, and keeps image records with a TTL and point-in-time recovery', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Prefix: 'reports/', ExpirationInDays: 400, Status: 'Enabled' }),
          Match.objectLike({
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
            Status: 'Enabled',
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      SSESpecification: { SSEEnabled: true },
    });
  });

  it('routes images/ and reference/ events through an encrypted queue with a DLQ', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      RedrivePolicy: { maxReceiveCount: MAX_RECEIVE_COUNT, deadLetterTargetArn: Match.anyValue() },
    });
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: {
        QueueConfigurations: Match.arrayWith([
          Match.objectLike({
            Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'images/' }] } },
          }),
          Match.objectLike({
            Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'reference/' }] } },
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 20,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('encrypts the alert topic with a key CloudWatch alarms may use', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ml-oncall@example.com',
    });
  });

  it('runs the monitors nightly in the configured time zone', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(30 2 * * ? *)',
      ScheduleExpressionTimezone: 'UTC',
      State: 'ENABLED',
      Target: Match.objectLike({ Input: '{}' }),
    });
  });

  it('alarms on the first message in each dead-letter queue and on function errors, notifying the topic', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 5);
    const topic = { Ref: Match.stringLikeRegexp('^PipelineAlerts') };
    const deadLetterQueues = Object.values(template.findResources('AWS::SQS::Queue')).flatMap(
      (q) => q.Properties.RedrivePolicy?.deadLetterTargetArn['Fn::GetAtt'][0] ?? [],
    );
    expect(deadLetterQueues).toHaveLength(2);
    for (const dlq of deadLetterQueues)
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlq, 'QueueName'] } }],
        Statistic: 'Maximum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [topic],
      });
    const functions = Object.keys(template.findResources('AWS::Lambda::Function')).filter((id) =>
      /^Pipeline(ProfileImages|RunMonitors|IngestLabels)Function/.test(id),
    );
    expect(functions).toHaveLength(3);
    for (const fn of functions)
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: fn } }],
        Threshold: 1,
        AlarmActions: [topic],
      });
  });

  it('rolls partials up only once no commit can still land behind them', () => {
    expect(PARTIAL_SETTLE_SECONDS).toBeGreaterThan(PROFILE_FUNCTION.timeoutSeconds + 60);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      Timeout: PROFILE_FUNCTION.timeoutSeconds,
      Environment: {
        Variables: Match.objectLike({
          PARTIAL_SETTLE_SECONDS: String(PARTIAL_SETTLE_SECONDS),
          ROLLUP_EVERY_COMMITS: String(ROLLUP_EVERY_COMMITS),
        }),
      },
    });
  });

  it('gives profile-images the monitor config, which says where segments come from', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          ROLLUP_EVERY_COMMITS: String(ROLLUP_EVERY_COMMITS),
          MONITOR_CONFIG: Match.anyValue(),
        }),
      },
    });
  });

  it('runs current Node on arm64 for both functions', () => {
    const ours = Object.values(
      template.findResources('AWS::Lambda::Function', { Properties: { Runtime: 'nodejs24.x' } }),
    );
    expect(ours.length).toBe(3);
    for (const f of ours)
      expect((f as { Properties: { Architectures: string[] } }).Properties.Architectures).toEqual([
        'arm64',
      ]);
  });

  it('gives each function least privilege: profile cannot publish, nobody deletes, monitors only write reports', () => {
    const profile = actionsOf('ProfileImages');
    const monitors = actionsOf('RunMonitors');
    expect(new Set(profile)).toEqual(
      new Set([
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        's3:GetObject',
        'dynamodb:PutItem',
        'dynamodb:GetItem',
        'dynamodb:Query',
        'sqs:ReceiveMessage',
        'sqs:ChangeMessageVisibility',
        'sqs:GetQueueUrl',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
      ]),
    );
    expect(profile.some((a) => a.startsWith('sns:'))).toBe(false);
    expect(new Set(monitors)).toEqual(
      new Set([
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'dynamodb:GetItem',
        'dynamodb:Query',
        'dynamodb:PutItem',
        'dynamodb:DeleteItem',
        'sns:Publish',
        'kms:Decrypt',
        'kms:GenerateDataKey',
        's3:PutObject',
        's3:GetObject',
      ]),
    );
    const monitorsS3 = JSON.stringify(
      statementsOf('RunMonitors').filter((x) => String(x.Action).startsWith('s3:')),
    );
    expect(monitorsS3).toContain('/reports/*');
    expect(monitorsS3).toContain('/images/*');
    const s3Resources = JSON.stringify(
      statementsOf('ProfileImages').filter((s) => s.Action === 's3:GetObject'),
    );
    expect(s3Resources).toContain('/images/*');
    expect(s3Resources).toContain('/reference/*');
    // Labels: read label files, write manifests, batch-read predictions, batch-write labels, alert.
    expect(new Set(actionsOf('IngestLabels'))).toEqual(
      new Set([
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        's3:GetObject',
        's3:PutObject',
        's3:AbortMultipartUpload',
        'dynamodb:GetItem',
        'dynamodb:BatchGetItem',
        'dynamodb:Query',
        'dynamodb:PutItem',
        'dynamodb:BatchWriteItem',
        'dynamodb:DeleteItem',
        'sns:Publish',
        'kms:Decrypt',
        'kms:GenerateDataKey',
        'sqs:ReceiveMessage',
        'sqs:ChangeMessageVisibility',
        'sqs:GetQueueUrl',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
      ]),
    );
    const labels = statementsOf('IngestLabels');
    const labelActions = new Set(
      labels.flatMap((x) => (Array.isArray(x.Action) ? x.Action : [x.Action])),
    );
    expect(
      labelActions.has('s3:GetObject') &&
        labelActions.has('s3:PutObject') &&
        labelActions.has('sns:Publish'),
    ).toBe(true);
    expect(
      [...labelActions].some(
        (a) => a.startsWith('s3:Delete') || a === 's3:*' || a === 'dynamodb:*',
      ),
    ).toBe(false);
    const labelS3 = JSON.stringify(labels.filter((x) => String(x.Action).startsWith('s3:')));
    expect(labelS3).toContain('/labels/*');
    expect(labelS3).toContain('/manifests/*');
    // No function gets table access through a wildcard index resource.
    expect(JSON.stringify(template.findResources('AWS::IAM::Policy'))).not.toContain('/index/*');
  });

  it('routes labels/ through their own encrypted queue with a DLQ to ingest-labels, one file at a time', () => {
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: {
        QueueConfigurations: Match.arrayWith([
          Match.objectLike({
            Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'labels/' }] } },
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      GlobalSecondaryIndexes: [
        Match.objectLike({
          IndexName: 'byName',
          Projection: {
            ProjectionType: 'INCLUDE',
            NonKeyAttributes: ['key', 'day', 'prediction', 'confidence', 'expiresAt'],
          },
        }),
      ],
    });
  });

  it('keeps data on delete in prod and not in dev; names stacks after the environment', () => {
    expect(Object.values(template.findResources('AWS::DynamoDB::Table'))[0]).toMatchObject({
      DeletionPolicy: 'Retain',
    });
    const dev = synth('dev');
    expect(Object.values(dev.template.findResources('AWS::DynamoDB::Table'))[0]).toMatchObject({
      DeletionPolicy: 'Delete',
    });
    expect(dev.stack.stackName).toBe('Driftwatch-dev');
    expect(() => environmentConfig('staging')).toThrow(/unknown environment "staging"/);
    expect(() => environmentConfig(undefined)).toThrow(/-c env=<name>/);
  });
});
