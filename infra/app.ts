import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { defineEnvironmentStacks } from './environment-stacks.ts';

/**
 * `cdk deploy -c env=prod`: one stack per environment; without `-c env` every environment's stack
 * is defined (`cdk bootstrap`, `cdk ls`). Errors in settings are printed without a stack trace.
 */
const app = new App();
try {
  defineEnvironmentStacks(app);
} catch (error) {
  console.error(`driftwatch: ${(error as Error).message}`);
  process.exit(1);
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
app.synth();
