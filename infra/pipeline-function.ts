import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface PipelineFunctionProps {
  /** Handler file under lambdas/handlers/, without extension. */
  readonly handler: string;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  readonly environment: Record<string, string>;
  /** Native modules installed for the Lambda's architecture instead of bundled (sharp). */
  readonly nativeModules?: string[];
  /** Log retention; the group is destroyed with the stack only with DESTROY (dev). */
  readonly logRetention: RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
}

/**
 * The handler's source: the .ts beside this file in a checkout, or the compiled .js beside the
 * compiled construct when the package is installed from its tarball (no .ts files there).
 */
export function handlerEntry(
  handler: string,
  base: URL = new URL('.', import.meta.url),
  exists: (path: string) => boolean = existsSync,
): string {
  const candidates = ['ts', 'js'].map((ext) =>
    fileURLToPath(new URL(`../lambdas/handlers/${handler}.${ext}`, base)),
  );
  const found = candidates.find(exists);
  if (!found)
    throw new Error(`no handler source for ${handler}: looked for ${candidates.join(', ')}`);
  return found;
}

/**
 * Every Driftwatch function: current Node runtime on arm64 (Graviton), ESM bundle with source maps,
 * one log group with retention. The AWS SDK is bundled, not taken from the runtime: the runtime's
 * copy is of an unannounced version and need not include @aws-sdk/lib-storage, so the functions run
 * the SDK the tests ran (and a bundle imports faster than node_modules resolution: 0.27–0.36 s
 * against 0.49–0.56 s for ingest-labels here). Native modules are installed for linux arm64
 * explicitly: local bundling would otherwise copy the build machine's binaries.
 */
export class PipelineFunction extends Construct {
  readonly fn: NodejsFunction;
  /** The function's own role (least privilege; cdk-nag acknowledgements are scoped to it). */
  readonly role: Role;

  constructor(scope: Construct, id: string, props: PipelineFunctionProps) {
    super(scope, id);
    const logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    });
    // Our own role instead of AWSLambdaBasicExecutionRole: it may write to its log group only.
    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Driftwatch ${props.handler}`,
    });
    this.role = role;
    role.addToPolicy(
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    this.fn = new NodejsFunction(this, 'Function', {
      entry: handlerEntry(props.handler),
      handler: 'handler',
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memoryMb,
      timeout: Duration.seconds(props.timeoutSeconds),
      logGroup,
      role,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        minify: true,
        sourceMap: true,
        target: 'node22',
        externalModules: [],
        banner:
          "import { createRequire } from 'module';const require = createRequire(import.meta.url);",
        nodeModules: props.nativeModules,
        forceDockerBundling: false,
        environment: props.nativeModules
          ? { npm_config_os: 'linux', npm_config_cpu: 'arm64', npm_config_libc: 'glibc' }
          : undefined,
      },
    });
  }
}
