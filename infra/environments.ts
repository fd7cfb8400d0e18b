import { z } from 'zod';
import { parseMonitorConfig } from '../lambdas/core/drift/monitor-config.ts';
import { assertTimeZone } from '../lambdas/core/util/time.ts';

/**
 * Lambda limits all environment variables of a function to 4 KB together; the monitor config
 * travels in one of them, so it must leave room for the others.
 */
export const MAX_MONITOR_CONFIG_BYTES = 3072;

/** Most images per profile-images invocation (batchSize below says why). */
export const MAX_BATCH_SIZE = 1000;

/**
 * Per-environment settings, selected with `cdk deploy -c env=<name>`. Add an environment by adding
 * an entry; everything is validated before synthesis, so a typo fails `cdk synth`, not a deploy.
 * Deploy-time overrides (`-c alertEmails=…`) are in deploy-context.ts.
 */
export const environmentFields = z.strictObject({
  /** AWS account and region; omitted means the CLI's current credentials decide at deploy time. */
  account: z
    .string()
    .regex(/^\d{12}$/, 'not a 12-digit AWS account id')
    .optional(),
  region: z
    .string()
    .regex(/^[a-z]{2,4}(-[a-z]+)+-\d+$/, 'not an AWS region name')
    .default('us-east-1'),
  /** Who receives alert digests and alarms by email (each confirms the SNS subscription once). */
  alertEmails: z.array(z.email('not an email address')).default([]),
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
    }, 'not an IANA time zone (e.g. UTC, Europe/Paris)'),
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
  /**
   * SQS → profile-images batching (see docs/operations.md for the trade-off). Lambda takes up to
   * 10,000 messages from a standard queue when a batching window is set, but hands a function at
   * most 6 MB: an S3 event record is ~2.5 KB and up to ~5 KB with a 1 KB key, so 1,000 always fit,
   * and 1,000 images at ~80 ms (1920×1080, one vCPU) stay within the function's 120 s timeout
   * (larger images need smaller batches: docs/operations.md).
   */
  batchSize: z.number().int().min(1).max(MAX_BATCH_SIZE).default(100),
  maxBatchingWindowSeconds: z.number().int().min(0).max(300).default(20),
  /**
   * Most concurrent invocations each SQS event source starts (Lambda's `maximumConcurrency`,
   * 2–1000), so an upload flood cannot take the account's whole Lambda concurrency.
   */
  imagesConcurrency: z.number().int().min(2).max(1000).default(20),
  labelsConcurrency: z.number().int().min(2).max(1000).default(2),
  /** Monitor config (docs/monitors.md); {} means the shipped defaults. */
  monitorConfig: z
    .record(z.string(), z.unknown())
    .default({})
    .superRefine((config, ctx) => {
      try {
        parseMonitorConfig(config);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
      }
      const bytes = Buffer.byteLength(JSON.stringify(config));
      if (bytes > MAX_MONITOR_CONFIG_BYTES)
        ctx.addIssue({
          code: 'custom',
          message: `${bytes} bytes as JSON; at most ${MAX_MONITOR_CONFIG_BYTES} fit in a Lambda environment variable`,
        });
    }),
  /**
   * Keep data (bucket, access logs, table) when the stack is deleted. Without it, `cdk destroy`
   * empties and deletes the buckets and deletes the table, the key and the log groups.
   */
  retainData: z.boolean().default(true),
});

/** Lambda refuses an SQS batch above 10 messages without a batching window. */
export const withBatchingRule = <
  T extends z.ZodType<{ batchSize: number; maxBatchingWindowSeconds: number }>,
>(
  schema: T,
) =>
  schema.refine((c) => c.batchSize <= 10 || c.maxBatchingWindowSeconds >= 1, {
    message: 'a batchSize above 10 needs maxBatchingWindowSeconds of at least 1',
    path: ['maxBatchingWindowSeconds'],
  });

export const environmentSchema = withBatchingRule(environmentFields);

export type EnvironmentSettings = z.input<typeof environmentSchema>;
export type EnvironmentConfig = z.output<typeof environmentSchema>;

const ENVIRONMENTS: Record<string, EnvironmentSettings> = {
  dev: {
    retainData: false,
    alertEmails: [],
    recordTtlDays: 30,
    reportRetentionDays: 30,
    imagesConcurrency: 5,
  },
  prod: { retainData: true, alertEmails: ['ml-oncall@example.com'] },
};

export const environmentNames = (): string[] => Object.keys(ENVIRONMENTS);

/**
 * The named environment's settings with deploy-time overrides applied, validated. An invalid
 * value fails with the setting's name, the reason and (a bounded preview of) the value.
 */
export function environmentConfig(
  name: string | undefined,
  overrides: Partial<EnvironmentSettings> = {},
): EnvironmentConfig & { name: string } {
  if (!name)
    throw new Error(`choose an environment with -c env=<name> (${environmentNames().join(', ')})`);
  const raw = ENVIRONMENTS[name];
  if (!raw)
    throw new Error(
      `unknown environment ${preview(name)} (known: ${environmentNames().join(', ')})`,
    );
  const parsed = environmentSchema.safeParse({ ...raw, ...overrides }, { reportInput: true });
  if (!parsed.success)
    throw new Error(`invalid settings for environment "${name}":\n${describeIssues(parsed.error)}`);
  return { ...parsed.data, name };
}

/** One line per issue: the setting, the reason and (a bounded preview of) the value given. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => {
      // Objects (a whole monitor config) are not echoed; their issues name the part at fault.
      const got = ['string', 'number', 'boolean'].includes(typeof i.input)
        ? ` (got ${preview(i.input)})`
        : '';
      return `  ${i.path.join('.') || '(root)'}: ${i.message}${got}`;
    })
    .join('\n');
}

/** A value for an error message, cut short: settings come from the command line. */
export function preview(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(JSON.stringify(value));
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}
