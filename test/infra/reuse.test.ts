import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { DriftPipeline } from '../../infra/index.ts';
import { handlerEntry } from '../../infra/pipeline-function.ts';

/** Another team's CDK app: its own stack and bucket, Driftwatch added under a prefix. */
function teamApp(bucketFrom: 'name' | 'other stack') {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const env = { account: '111122223333', region: 'eu-west-1' };
  const stack = new Stack(app, 'TeamVision', { env });
  const bucket =
    bucketFrom === 'name'
      ? Bucket.fromBucketName(stack, 'Images', 'team-vision-images')
      : new Bucket(new Stack(app, 'TeamStorage', { env }), 'Images', { enforceSSL: true });
  const pipeline = new DriftPipeline(stack, 'Drift', {
    bucket,
    prefix: 'vision/driftwatch/',
    alertEmails: ['vision-oncall@example.org'],
    timeZone: 'Europe/Berlin',
    retainData: false,
  });
  return { app, stack, pipeline, template: Template.fromStack(stack) };
}

describe('DriftPipeline in another CDK app', () => {
  const { app, stack, pipeline, template } = teamApp('name');

  it('watches an existing bucket under a prefix: notifications filter on it, nothing else is created in the bucket', () => {
    template.resourceCountIs('AWS::S3::Bucket', 0);
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: 'team-vision-images',
      // Unmanaged: the bucket's other notifications are kept.
      Managed: false,
      NotificationConfiguration: {
        QueueConfigurations: ['images/', 'reference/', 'labels/'].map((area) =>
          Match.objectLike({
            Filter: {
              Key: { FilterRules: [{ Name: 'prefix', Value: `vision/driftwatch/${area}` }] },
            },
          }),
        ),
      },
    });
    expect(pipeline.reportPrefix).toBe('vision/driftwatch/reports/');
  });

  it('tells every function the prefix and grants only the prefixed areas', () => {
    const functions = Object.values(
      template.findResources('AWS::Lambda::Function', { Properties: { Runtime: 'nodejs24.x' } }),
    );
    expect(functions).toHaveLength(3);
    for (const fn of functions)
      expect(fn).toMatchObject({
        Properties: { Environment: { Variables: { KEY_PREFIX: 'vision/driftwatch/' } } },
      });
    const policies = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    for (const area of ['images', 'reference', 'labels', 'manifests', 'reports'])
      expect(policies).toContain(`:s3:::team-vision-images/vision/driftwatch/${area}/*`);
    expect(policies).not.toMatch(/team-vision-images\/(images|labels|reports)\//);
  });

  it('is cdk-nag AwsSolutions clean with no acknowledgement from the app', () => {
    expect(new AwsSolutionsChecks(app).validateScope(stack).violations).toEqual([]);
    expect(
      stack.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY),
    ).toEqual([]);
  });

  it('also takes a bucket defined in another stack of the app, and stays cdk-nag clean', () => {
    const other = teamApp('other stack');
    other.template.resourceCountIs('AWS::S3::Bucket', 0);
    // The notification lives in the pipeline's stack (no dependency cycle between the stacks).
    other.template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: { 'Fn::ImportValue': Match.stringLikeRegexp('^TeamStorage:') },
    });
    Template.fromStack(other.app.node.findChild('TeamStorage') as Stack).resourceCountIs(
      'Custom::S3BucketNotifications',
      0,
    );
    expect(new AwsSolutionsChecks(other.app).validateScope(other.stack).violations).toEqual([]);
  });

  it('grants the functions the key of a KMS-encrypted bucket, also from another stack', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const env = { account: '111122223333', region: 'eu-west-1' };
    const storage = new Stack(app, 'Storage', { env });
    const bucket = new Bucket(storage, 'Images', {
      encryption: BucketEncryption.KMS,
      enforceSSL: true,
    });
    const stack = new Stack(app, 'Vision', { env });
    new DriftPipeline(stack, 'Drift', { bucket });
    const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy');
    const keyActions = (role: string) =>
      Object.entries(policies)
        .filter(([id]) => id.includes(role))
        .flatMap(
          ([, p]) =>
            (
              p as {
                Properties: {
                  PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] };
                };
              }
            ).Properties.PolicyDocument.Statement,
        )
        .filter((st) =>
          JSON.stringify(st.Resource).includes('Storage:ExportsOutputFnGetAttImagesKey'),
        )
        .flatMap((st) => st.Action);
    expect(keyActions('ProfileImages')).toContain('kms:Decrypt');
    expect(keyActions('ProfileImages')).not.toContain('kms:GenerateDataKey');
    for (const role of ['RunMonitors', 'IngestLabels'])
      expect(keyActions(role)).toEqual(
        expect.arrayContaining(['kms:Decrypt', 'kms:GenerateDataKey']),
      );
    expect(new AwsSolutionsChecks(app).validateScope(stack).violations).toEqual([]);
  });

  it('creates its own logged, encrypted bucket when given none, delivering access logs by bucket policy', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const own = new Stack(app, 'Own');
    new DriftPipeline(own, 'Drift');
    const t = Template.fromStack(own);
    t.resourceCountIs('AWS::S3::Bucket', 2);
    t.resourcePropertiesCountIs('AWS::S3::Bucket', { AccessControl: Match.anyValue() }, 0);
    t.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'logging.s3.amazonaws.com' } }),
        ]),
      },
    });
    expect(new AwsSolutionsChecks(app).validateScope(own).violations).toEqual([]);
  });

  it('refuses a malformed prefix or setting with a message naming it', () => {
    const scope = new Stack(new App(), 'Bad');
    const bucket = Bucket.fromBucketName(scope, 'B', 'bad-settings');
    expect(() => new DriftPipeline(scope, 'P1', { bucket, prefix: '/vision' })).toThrow(
      /key prefix "\/vision" must be path segments/,
    );
    expect(() => new DriftPipeline(scope, 'P2', { bucket, timeZone: 'Mars/Olympus' })).toThrow(
      /timeZone: not an IANA time zone/,
    );
  });
});

describe('handler entries', () => {
  const base = new URL('file:///pkg/dist/infra/');

  it('bundles the TypeScript source in a checkout', () => {
    expect(handlerEntry('run-monitors', base, () => true)).toBe(
      '/pkg/dist/lambdas/handlers/run-monitors.ts',
    );
  });

  it('bundles the compiled JavaScript beside the compiled construct when the .ts is absent (installed package)', () => {
    expect(handlerEntry('run-monitors', base, (p) => p.endsWith('.js'))).toBe(
      '/pkg/dist/lambdas/handlers/run-monitors.js',
    );
    expect(() => handlerEntry('run-monitors', base, () => false)).toThrow(/no handler source/);
  });
});
