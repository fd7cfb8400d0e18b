import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { DriftwatchStack } from '../../infra/driftwatch-stack.ts';
import { environmentConfig } from '../../infra/environments.ts';

/** Synthesizes an environment's stack; bundling is skipped (esbuild and npm for arm64 run in `cdk synth`, covered by .ci/run). */
export function synth(env: string) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new DriftwatchStack(app, `Driftwatch-${env}`, environmentConfig(env));
  return { app, stack, template: Template.fromStack(stack) };
}

/** The IAM statements attached to the role of the function whose logical id contains `name`. */
export function statementsOf(
  template: Template,
  name: string,
): { Action: string | string[]; Resource: unknown }[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.entries(policies)
    .filter(([id]) => id.includes(name))
    .flatMap(
      ([, p]) =>
        (p as { Properties: { PolicyDocument: { Statement: never[] } } }).Properties.PolicyDocument
          .Statement,
    );
}

export const actionsOf = (template: Template, name: string) =>
  statementsOf(template, name).flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
