/**
 * cdk-nag AwsSolutions findings we accept, each with its reason. Listed in docs/operations.md; a
 * test fails when a new, unacknowledged finding appears.
 */
export const NAG_ACKNOWLEDGEMENTS: { id: string; reason: string }[] = [
  {
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason:
      "Only on CDK's own BucketNotificationsHandler, the singleton that configures the bucket notification at deploy time; our functions have their own roles scoped to their log groups.",
  },
  {
    id: 'AwsSolutions-IAM5[Resource::<PipelineData9A1AA091.Arn>/images/*]',
    reason:
      'profile-images reads every image under images/; a prefix is the narrowest scope for objects whose names are not known in advance (s3:GetObject only).',
  },
  {
    id: 'AwsSolutions-IAM5[Resource::<PipelineData9A1AA091.Arn>/reference/*]',
    reason:
      'profile-images reads the reference images under reference/ (s3:GetObject only), for the same reason as images/.',
  },
  {
    id: 'AwsSolutions-IAM5[Resource::<PipelineData9A1AA091.Arn>/labels/*]',
    reason:
      'ingest-labels reads the label files users drop under labels/ (s3:GetObject only); their names are not known in advance.',
  },
  {
    id: 'AwsSolutions-IAM5[Resource::<PipelineData9A1AA091.Arn>/manifests/*]',
    reason:
      'ingest-labels writes one retraining manifest per dataset-day under manifests/ (s3:PutObject, and s3:AbortMultipartUpload to clean up a large one that failed).',
  },
  {
    id: 'AwsSolutions-IAM5[Resource::<PipelineData9A1AA091.Arn>/reports/*]',
    reason:
      'run-monitors writes one HTML report per dataset-day, and a latest copy, under reports/ (s3:PutObject only).',
  },
  {
    id: 'AwsSolutions-IAM5[Resource::<PipelineRunMonitorsFunction3B2558B2.Arn>:*]',
    reason:
      "EventBridge Scheduler's role may invoke the run-monitors function and its versions/aliases (the ':*' qualifier CDK's LambdaInvoke target adds); it can invoke nothing else.",
  },
];
