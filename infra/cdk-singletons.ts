import { CfnResource, type RemovalPolicy, type Stack, Validations } from 'aws-cdk-lib';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BASIC_EXECUTION_ROLE, REASONS } from './nag-acknowledgements.ts';

/**
 * CDK adds stack-wide singleton functions for us: the bucket-notifications handler and, when a
 * bucket empties itself on delete, the auto-delete-objects provider. Left alone, their logs go to
 * log groups Lambda creates on first use, which never expire and outlive the stack. Each gets a
 * log group with the pipeline's retention (wired through the function's LoggingConfig, so it
 * exists before the function first runs), and its one cdk-nag finding is acknowledged on it alone.
 */
const SINGLETONS = [
  {
    id: 'BucketNotificationsHandler050a0587b7544547bf325f094a3db834',
    functionId: 'Resource',
    reason: REASONS.notificationsHandler,
  },
  {
    id: 'Custom::S3AutoDeleteObjectsCustomResourceProvider',
    functionId: 'Handler',
    // Its role is a plain CfnResource, which cdk-nag's IAM4 check does not inspect.
    reason: undefined,
  },
] as const;

export function adoptCdkSingletons(
  stack: Stack,
  retention: RetentionDays,
  removalPolicy: RemovalPolicy,
): void {
  for (const { id, functionId, reason } of SINGLETONS) {
    const singleton = stack.node.tryFindChild(id);
    const fn = singleton?.node.tryFindChild(functionId);
    if (!singleton || !(fn instanceof CfnResource) || singleton.node.tryFindChild('Logs')) continue;
    const logGroup = new LogGroup(singleton, 'Logs', { retention, removalPolicy });
    fn.addPropertyOverride('LoggingConfig', { LogGroup: logGroup.logGroupName });
    if (reason) Validations.of(singleton).acknowledge({ id: BASIC_EXECUTION_ROLE, reason });
  }
}
