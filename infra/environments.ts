import { z } from 'zod';
import { assertTimeZone } from '../lambdas/core/util/time.ts';

/**
 * Per-environment settings, selected with `cdk deploy -c env=<name>`. Add an environment by adding
 * an entry; everything is validated before synthesis, so a typo fails `cdk synth`, not a deploy.
 */
const environmentSchema = z.strictObject({
  /** AWS account and region; omitted means the CLI's current credentials decide at deploy time. */
  account: z
    .string()
    .regex(/^\d{12}$/)
    .optional(),
  region: z.string().default('us-east-1'),
  /** Who receives alert digests and alarms by email (each confirms the SNS subscription once). */
  alertEmails: z.array(z.email()).default([]),
  /** IANA time zone of dataset-days and of the nightly schedule. */
  timeZone: z
    .string()
    .default('UTC')
    .refine((tz) => {
      try {
        assertTimeZone(tz);
        return true;
      } catch {
        return false;
      }
    }, 'not an IANA time zone'),
  /** When the nightly run starts, in that zone (it processes the day before). */
  nightly: z
    .strictObject({
      hour: z.number().int().min(0).max(23),
      minute: z.number().int().min(0).max(59),
    })
    .default({ hour: 2, minute: 30 }),
  /** Days per-image prediction records are kept for late labels. */
  recordTtlDays: z.number().int().min(1).max(3650).default(90),
  /** Days HTML reports are kept under reports/. */
  reportRetentionDays: z.number().int().min(1).default(400),
  /** SQS → profile-images batching (see docs/operations.md for the trade-off). */
  batchSize: z.number().int().min(1).max(98).default(10),
  maxBatchingWindowSeconds: z.number().int().min(0).max(300).default(20),
  /** Monitor config (docs/monitors.md); {} means the shipped defaults. */
  monitorConfig: z.record(z.string(), z.unknown()).default({}),
  /** Keep data (bucket, table) when the stack is deleted. */
  retainData: z.boolean().default(true),
});

export type EnvironmentConfig = z.output<typeof environmentSchema>;

const ENVIRONMENTS: Record<string, z.input<typeof environmentSchema>> = {
  dev: { retainData: false, alertEmails: [], recordTtlDays: 30, reportRetentionDays: 30 },
  prod: { retainData: true, alertEmails: ['ml-oncall@example.com'] },
};

export function environmentConfig(name: string | undefined): EnvironmentConfig & { name: string } {
  if (!name)
    throw new Error(
      `choose an environment with -c env=<name> (${Object.keys(ENVIRONMENTS).join(', ')})`,
    );
  const raw = ENVIRONMENTS[name];
  if (!raw)
    throw new Error(
      `unknown environment "${name}" (known: ${Object.keys(ENVIRONMENTS).join(', ')})`,
    );
  const parsed = environmentSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`invalid settings for environment "${name}":\n${issues}`);
  }
  return { ...parsed.data, name };
}
