import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * cdk-nag findings we accept, each acknowledged on the one construct it is about (a role, a
 * singleton handler), never stack-wide, with its reason. Listed in docs/operations.md; the infra
 * tests fail on any unacknowledged finding and on any acknowledgement without a finding.
 */

/** `Resource::…` as cdk-nag's IAM5 names a wildcard resource (its flattenCfnReference). */
export function nagResourceName(scope: IConstruct, arn: string): string {
  const flatten = (node: unknown): string => {
    if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
    const fn = node as Record<string, unknown>;
    if (fn['Fn::Join']) {
      const [delimiter, items] = fn['Fn::Join'] as [string, unknown[]];
      return items.map(flatten).join(delimiter);
    }
    if (fn['Fn::Sub']) return flatten(fn['Fn::Sub']);
    if (fn['Fn::GetAtt']) {
      const [resource, attribute] = fn['Fn::GetAtt'] as [unknown, unknown];
      return `<${flatten(resource)}.${flatten(attribute)}>`;
    }
    if (fn['Fn::ImportValue']) return flatten(fn['Fn::ImportValue']);
    if (fn.Ref) return `<${flatten(fn.Ref)}>`;
    return JSON.stringify(node);
  };
  return `Resource::${flatten(Stack.of(scope).resolve(arn))}`;
}

/** Acknowledges IAM5 (wildcard resource) for each of `resources` on `role` only. */
export function acknowledgeWildcardResources(
  role: IConstruct,
  resources: readonly { arn: string; reason: string }[],
): void {
  Validations.of(role).acknowledge(
    ...resources.map(({ arn, reason }) => ({
      id: `AwsSolutions-IAM5[${nagResourceName(role, arn)}]`,
      reason,
    })),
  );
}

export const BASIC_EXECUTION_ROLE =
  'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]';

export const REASONS = {
  imagesRead:
    'profile-images reads every image under images/; a prefix is the narrowest scope for objects whose names are not known in advance (s3:GetObject only).',
  referenceRead:
    'profile-images reads the reference images under reference/ (s3:GetObject only), for the same reason as images/.',
  thumbnailsRead:
    "run-monitors reads the night's most extreme images under images/ to draw the report's thumbnails (s3:GetObject only); their names are not known in advance.",
  reportsWrite:
    'run-monitors writes one HTML report per dataset-day, and a latest copy, under reports/, and reads the latest copy back so a backfill never moves it to an older day (s3:PutObject and s3:GetObject).',
  labelsRead:
    'ingest-labels reads the label files users drop under labels/ (s3:GetObject only); their names are not known in advance.',
  manifestsWrite:
    'ingest-labels writes one retraining manifest per dataset-day under manifests/ (s3:PutObject, and s3:AbortMultipartUpload to clean up a large one that failed).',
  scheduleInvoke:
    "EventBridge Scheduler's role may invoke the run-monitors function and its versions/aliases (the ':*' qualifier CDK's LambdaInvoke target adds); it can invoke nothing else.",
  notificationsHandler:
    "CDK's own BucketNotificationsHandler (a singleton that configures the bucket notification at deploy time) uses the AWS-managed basic execution role; our functions have their own roles scoped to their log groups.",
} as const;
