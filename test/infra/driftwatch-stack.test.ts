import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type Stack, Validations } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import {
  CLAIM_LEASE_SECONDS,
  IMAGES_QUEUE_VISIBILITY_SECONDS,
  MAX_RECEIVE_COUNT,
  PARTIAL_SETTLE_SECONDS,
  PROFILE_FUNCTION,
  ROLLUP_EVERY_COMMITS,
} from '../../infra/definitions.ts';
import { STACK_OUTPUTS } from '../../infra/driftwatch-stack.ts';
import { defineEnvironmentStacks } from '../../infra/environment-stacks.ts';
import { environmentConfig } from '../../infra/environments.ts';
import {
  actionsOf as actionsOfStack,
  statementsOf as statementsOfStack,
  synth,
} from '../helpers/stack.ts';

const { app, stack, template } = synth('prod');
const statementsOf = (name: string) => statementsOfStack(template, name);
const actionsOf = (name: string) => actionsOfStack(template, name);

/** Every acknowledgement in the tree: where it was made, the rule id and the reason. */
function acknowledgementsIn(root: IConstruct) {
  return root.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) =>
        Object.entries(m.data as Record<string, string>).map(([key, reason]) => ({
          path: c.node.path,
          id: key.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

/** What AwsSolutions finds with every acknowledgement ignored: the rule and the resource's path. */
function findingsIgnoringAcknowledgements(app: App, stack: Stack) {
  const pack = new AwsSolutionsChecks(app);
  // cdk-nag 3 has no public switch for this; its private check is replaced on this instance only.
  (pack as unknown as { isAcknowledged: () => boolean }).isAcknowledged = () => false;
  return pack
    .validateScope(stack)
    .violations.flatMap((v) =>
      v.violatingResources.map((r) => ({ rule: v.ruleName, path: r.constructPath })),
    );
}

describe('DriftwatchStack', () => {
  it('has no unacknowledged cdk-nag AwsSolutions finding', () => {
    // Acknowledgements made with Validations.of(stack).acknowledge(...) are honoured here.
    const report = new AwsSolutionsChecks(app).validateScope(stack);
    expect(report.violations).toEqual([]);
  });

  it('acknowledges each cdk-nag finding on the resource it is about, never stack-wide, and only findings that exist', () => {
    for (const env of ['dev', 'prod']) {
      const { app, stack } = synth(env);
      const acknowledged = acknowledgementsIn(stack);
      expect(acknowledged.length).toBeGreaterThan(0);
      const findings = findingsIgnoringAcknowledgements(app, stack);
      for (const { path, id, reason } of acknowledged) {
        expect(path, `${id} acknowledged on the stack or the whole pipeline`).not.toMatch(
          /^Driftwatch-\w+(\/Pipeline)?$/,
        );
        expect(reason.length).toBeGreaterThan(40);
        const on = findings.filter((f) => f.rule === id).map((f) => f.path);
        expect(
          on.some((p) => p?.startsWith(`${path}/`)),
          `${id} acknowledged on ${path}, found on ${on}`,
        ).toBe(true);
      }
    }
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
      BatchSize: 100,
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

  it("lets only this account's default schedule group assume the nightly role", () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: {
              StringEquals: {
                'aws:SourceAccount': { Ref: 'AWS::AccountId' },
                'aws:SourceArn': Match.objectLike({ 'Fn::Join': Match.anyValue() }),
              },
            },
          }),
        ],
      },
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

  it('keeps an image claimed beyond any attempt, and less long than a crashed batch waits for redelivery', () => {
    expect(CLAIM_LEASE_SECONDS).toBeGreaterThan(PROFILE_FUNCTION.timeoutSeconds + 60);
    expect(CLAIM_LEASE_SECONDS).toBeLessThan(IMAGES_QUEUE_VISIBILITY_SECONDS);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: PROFILE_FUNCTION.timeoutSeconds,
      Environment: {
        Variables: Match.objectLike({ CLAIM_LEASE_SECONDS: String(CLAIM_LEASE_SECONDS) }),
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

  it('tells profile-images its bucket, so it ignores events naming any other', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          ROLLUP_EVERY_COMMITS: String(ROLLUP_EVERY_COMMITS),
          BUCKET_NAME: Match.anyValue(),
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
        'dynamodb:UpdateItem',
        'dynamodb:BatchGetItem',
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

  it('prod keeps the buckets, the table, the key and the logs when the stack is deleted', () => {
    for (const type of ['AWS::S3::Bucket', 'AWS::DynamoDB::Table', 'AWS::KMS::Key'])
      for (const resource of Object.values(template.findResources(type)))
        expect(resource, type).toMatchObject({ DeletionPolicy: 'Retain' });
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
    template.resourcePropertiesCountIs(
      'AWS::S3::Bucket',
      { Tags: Match.arrayWith([{ Key: 'aws-cdk:auto-delete-objects', Value: 'true' }]) },
      0,
    );
  });

  it('dev empties and deletes both buckets, and deletes the table, the key and every log group', () => {
    const dev = synth('dev').template;
    const buckets = dev.findResources('AWS::S3::Bucket');
    expect(Object.keys(buckets)).toHaveLength(2);
    const emptied = Object.values(dev.findResources('Custom::S3AutoDeleteObjects')).map(
      (r) => (r as { Properties: { BucketName: { Ref: string } } }).Properties.BucketName.Ref,
    );
    expect(new Set(emptied)).toEqual(new Set(Object.keys(buckets)));
    for (const type of [
      'AWS::S3::Bucket',
      'AWS::DynamoDB::Table',
      'AWS::KMS::Key',
      'AWS::Logs::LogGroup',
    ])
      for (const resource of Object.values(dev.findResources(type)))
        expect(resource, type).toMatchObject({ DeletionPolicy: 'Delete' });
    dev.hasResourceProperties('AWS::KMS::Key', { PendingWindowInDays: 7 });
  });

  it('gives every function a log group of its own, and every log group a retention', () => {
    for (const t of [template, synth('dev').template]) {
      const groups = t.findResources('AWS::Logs::LogGroup');
      for (const [id, group] of Object.entries(groups))
        expect(
          (group as { Properties: { RetentionInDays?: number } }).Properties.RetentionInDays,
          id,
        ).toBeGreaterThan(0);
      const functions = Object.entries(t.findResources('AWS::Lambda::Function'));
      // Ours, CDK's bucket-notifications handler, and (dev) its auto-delete provider.
      expect(functions.length).toBeGreaterThanOrEqual(4);
      for (const [id, fn] of functions) {
        const logGroup = (fn as { Properties: { LoggingConfig?: { LogGroup?: { Ref: string } } } })
          .Properties.LoggingConfig?.LogGroup?.Ref;
        expect(logGroup && groups[logGroup], `${id} logs to a log group of the stack`).toBeTruthy();
      }
    }
  });

  it('outputs what operators need: bucket, report prefix, topic, table, run-monitors function, DLQs', () => {
    expect(Object.keys(template.toJSON().Outputs).sort()).toEqual([...STACK_OUTPUTS].sort());
    template.hasOutput('BucketName', { Value: { Ref: Match.stringLikeRegexp('^PipelineData') } });
    template.hasOutput('ReportPrefix', { Value: 'reports/' });
    template.hasOutput('AlertTopicArn', {
      Value: { Ref: Match.stringLikeRegexp('^PipelineAlerts') },
    });
    template.hasOutput('TableName', { Value: { Ref: Match.stringLikeRegexp('^PipelineTable') } });
    template.hasOutput('RunMonitorsFunctionName', {
      Value: { Ref: Match.stringLikeRegexp('^PipelineRunMonitorsFunction') },
    });
    template.hasOutput('ImagesDlqUrl', {
      Value: { Ref: Match.stringLikeRegexp('^PipelineImagesDlq') },
    });
    template.hasOutput('LabelsDlqUrl', {
      Value: { Ref: Match.stringLikeRegexp('^PipelineLabelsDlq') },
    });
  });

  it('caps the concurrency of both SQS event sources (dev lower than prod)', () => {
    const caps = (t: typeof template) =>
      Object.values(t.findResources('AWS::Lambda::EventSourceMapping')).map(
        (m) =>
          (m as { Properties: { ScalingConfig?: { MaximumConcurrency: number } } }).Properties
            .ScalingConfig?.MaximumConcurrency,
      );
    expect(caps(template).sort()).toEqual([2, 20]);
    expect(caps(synth('dev').template).sort()).toEqual([2, 5]);
  });

  it("lets only this account's buckets and alarms use the queues and the topic key", () => {
    for (const queue of ['PipelineImagesQueue', 'PipelineLabelsQueue'])
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: Match.stringLikeRegexp(`^${queue}`) }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Principal: { Service: 's3.amazonaws.com' },
              Condition: {
                ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] } },
                StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              },
            }),
          ]),
        },
      });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnLike: { 'aws:SourceArn': Match.anyValue() },
            },
          }),
        ]),
      },
    });
    const arn = JSON.stringify(Object.values(template.findResources('AWS::KMS::Key'))[0]);
    expect(arn).toContain(':alarm:*');
  });

  it('takes recipients, time zone, schedule, monitor config and concurrency caps from -c at deploy time', () => {
    const dir = mkdtempSync(join(tmpdir(), 'driftwatch-monitors-'));
    const path = join(dir, 'monitors.json');
    writeFileSync(path, JSON.stringify({ segments: { fromKey: true } }));
    const { template: t } = synth('dev', {
      alertEmails: 'a@x.org, b@y.org',
      timeZone: 'Europe/Paris',
      nightly: '03:15',
      monitorConfig: path,
      imagesConcurrency: '50',
      labelsConcurrency: '3',
    });
    for (const email of ['a@x.org', 'b@y.org'])
      t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: email });
    t.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(15 3 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Paris',
    });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          TIME_ZONE: 'Europe/Paris',
          MONITOR_CONFIG: '{"segments":{"fromKey":true}}',
        }),
      },
    });
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      ScalingConfig: { MaximumConcurrency: 50 },
    });
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      ScalingConfig: { MaximumConcurrency: 3 },
    });
  });

  it('defines every environment without -c env, so `cdk bootstrap` and `cdk ls` work', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    expect(defineEnvironmentStacks(app).map((s) => s.stackName)).toEqual([
      'Driftwatch-dev',
      'Driftwatch-prod',
    ]);
    expect(() => environmentConfig('staging')).toThrow(/unknown environment "staging"/);
    expect(() => environmentConfig(undefined)).toThrow(/-c env=<name>/);
  });
});
