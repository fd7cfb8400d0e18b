import { fileURLToPath } from 'node:url';
import { Duration } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** Compiled into dist/ (the npm package) the handlers beside this file are .js; in a clone, .ts. */
const HANDLER_EXTENSION = import.meta.url.endsWith('.ts') ? 'ts' : 'js';

export interface PipelineFunctionProps {
  /** Handler file under lambdas/handlers/, without extension. */
  readonly handler: string;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  readonly environment: Record<string, string>;
  /** Native modules installed for the Lambda's architecture instead of bundled (sharp). */
  readonly nativeModules?: string[];
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

  constructor(scope: Construct, id: string, props: PipelineFunctionProps) {
    super(scope, id);
    const logGroup = new LogGroup(this, 'Logs', { retention: RetentionDays.ONE_MONTH });
    // Our own role instead of AWSLambdaBasicExecutionRole: it may write to its log group only.
    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Driftwatch ${props.handler}`,
    });
    role.addToPolicy(
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    this.fn = new NodejsFunction(this, 'Function', {
      entry: fileURLToPath(
        new URL(`../lambdas/handlers/${props.handler}.${HANDLER_EXTENSION}`, import.meta.url),
      ),
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
