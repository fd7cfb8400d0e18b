import type { App } from 'aws-cdk-lib';
import { settingsFromContext } from './deploy-context.ts';
import { DriftwatchStack } from './driftwatch-stack.ts';
import { environmentConfig, environmentNames } from './environments.ts';

/**
 * One `Driftwatch-<env>` stack for `-c env=<name>`, or one per environment without it, so that
 * commands that need no environment (`cdk bootstrap`, `cdk ls`) work as documented. Deploy-time
 * overrides (`-c alertEmails=…`) apply to every stack defined.
 */
export function defineEnvironmentStacks(app: App): DriftwatchStack[] {
  const lookup = (key: string) => app.node.tryGetContext(key);
  const requested = lookup('env');
  const names = requested === undefined ? environmentNames() : [String(requested)];
  const overrides = settingsFromContext(lookup);
  return names.map((name) => {
    const { name: _name, ...config } = environmentConfig(name, overrides);
    return new DriftwatchStack(app, `Driftwatch-${name}`, config, {
      env: config.account
        ? { account: config.account, region: config.region }
        : { region: config.region },
      description: `Driftwatch image drift and model performance monitoring (${name})`,
      tags: { project: 'driftwatch', environment: name },
    });
  });
}
