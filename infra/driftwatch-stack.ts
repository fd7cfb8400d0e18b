import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { DriftPipeline } from './drift-pipeline.ts';
import type { EnvironmentConfig } from './environments.ts';

/**
 * Stack outputs, read with
 * `aws cloudformation describe-stacks --stack-name Driftwatch-dev --query "Stacks[0].Outputs[?OutputKey=='BucketName'].OutputValue" --output text`.
 */
export const STACK_OUTPUTS = [
  'BucketName',
  'ReportPrefix',
  'AlertTopicArn',
  'TableName',
  'RunMonitorsFunctionName',
  'ImagesDlqUrl',
  'LabelsDlqUrl',
] as const;

export class DriftwatchStack extends Stack {
  readonly pipeline: DriftPipeline;

  constructor(scope: Construct, id: string, config: EnvironmentConfig, props?: StackProps) {
    super(scope, id, props);
    // Grant S3 log delivery through a bucket policy, not the legacy AccessControl ACL (cfn-lint W3045).
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    const { account: _account, region: _region, ...settings } = config;
    const pipeline = new DriftPipeline(this, 'Pipeline', settings);
    this.pipeline = pipeline;
    const outputs: Record<(typeof STACK_OUTPUTS)[number], [string, string]> = {
      BucketName: [
        pipeline.bucket.bucketName,
        'S3 bucket: upload images/, reference/, labels/ here',
      ],
      ReportPrefix: [pipeline.reportPrefix, 'Key prefix of the nightly HTML reports in the bucket'],
      AlertTopicArn: [pipeline.topic.topicArn, 'SNS topic of digests and alarms: subscribe here'],
      TableName: [pipeline.table.tableName, 'DynamoDB table of profiles, records and results'],
      RunMonitorsFunctionName: [
        pipeline.monitorsFunction.fn.functionName,
        'Invoke for a backfill: {"dataset": …, "from": …, "to": …}',
      ],
      ImagesDlqUrl: [pipeline.imagesDlq.queueUrl, 'Image events that failed 5 times'],
      LabelsDlqUrl: [pipeline.labelsDlq.queueUrl, 'Label files that failed 5 times'],
    };
    for (const [name, [value, description]] of Object.entries(outputs))
      new CfnOutput(this, name, { value, description });
  }
}
