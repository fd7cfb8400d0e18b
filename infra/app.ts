import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DriftwatchStack } from './driftwatch-stack.ts';
import { environmentConfig } from './environments.ts';

/** `cdk synth -c env=dev` / `cdk deploy -c env=prod`: one stack per environment. */
const app = new App();
const config = environmentConfig(app.node.tryGetContext('env'));
new DriftwatchStack(app, `Driftwatch-${config.name}`, config, {
  env: config.account
    ? { account: config.account, region: config.region }
    : { region: config.region },
  description: `Driftwatch image drift and model performance monitoring (${config.name})`,
  tags: { project: 'driftwatch', environment: config.name },
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
app.synth();
