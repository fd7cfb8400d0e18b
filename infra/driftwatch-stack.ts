import { Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { DriftPipeline } from './drift-pipeline.ts';
import type { EnvironmentConfig } from './environments.ts';
import { NAG_ACKNOWLEDGEMENTS } from './nag-acknowledgements.ts';

export class DriftwatchStack extends Stack {
  readonly pipeline: DriftPipeline;

  constructor(scope: Construct, id: string, config: EnvironmentConfig, props?: StackProps) {
    super(scope, id, props);
    // Grant S3 log delivery through a bucket policy, not the legacy AccessControl ACL (cfn-lint W3045).
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    this.pipeline = new DriftPipeline(this, 'Pipeline', config);
    Validations.of(this).acknowledge(...NAG_ACKNOWLEDGEMENTS);
  }
}
