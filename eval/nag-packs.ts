/**
 * `npx tsx eval/nag-packs.ts`: runs the cdk-nag HIPAA Security and NIST 800-53 rev. 5 packs once
 * over both environments' stacks (bundling skipped) and prints each finding with the resources it
 * names. Not part of CI synth (only AwsSolutions gates it); docs/operations.md records what these
 * packs flag and what we chose.
 */
import { App } from 'aws-cdk-lib';
import { HIPAASecurityChecks, type NagPack, NIST80053R5Checks } from 'cdk-nag';
import { defineEnvironmentStacks } from '../infra/environment-stacks.ts';

const packs: [string, (app: App) => NagPack][] = [
  ['HIPAA', (app) => new HIPAASecurityChecks(app)],
  ['NIST 800-53 R5', (app) => new NIST80053R5Checks(app)],
];

for (const env of ['dev', 'prod']) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], env } });
  const [stack] = defineEnvironmentStacks(app);
  if (!stack) throw new Error(`no stack for ${env}`);
  for (const [name, pack] of packs) {
    const { violations } = pack(app).validateScope(stack);
    console.log(`\n## ${name} on ${stack.stackName}: ${violations.length} rules flagged\n`);
    for (const v of [...violations].sort((a, b) => a.ruleName.localeCompare(b.ruleName))) {
      const where = v.violatingResources.map((r) =>
        (r.constructPath ?? '?').replace(`${stack.stackName}/`, '').replace(/\/Resource$/, ''),
      );
      console.log(`- ${v.ruleName} (${where.length}): ${where.join(', ')}`);
    }
  }
}
