import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { DriftwatchStack } from '../../infra/driftwatch-stack.ts';
import { defineEnvironmentStacks } from '../../infra/environment-stacks.ts';

/**
 * Synthesizes an environment's stack as `cdk synth -c env=<env>` would, with further `-c` values
 * in `context`; bundling is skipped (esbuild and npm for arm64 run in `cdk synth`, covered by .ci/run).
 */
export function synth(env: string, context: Record<string, unknown> = {}) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], env, ...context } });
  const stack = defineEnvironmentStacks(app)[0] as DriftwatchStack;
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
