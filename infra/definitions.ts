/**
 * Resource definitions shared by the CDK stack and the integration tests, so the tests run against
 * resources shaped exactly like the deployed ones.
 */
import { TABLE_SCHEMA } from '../lambdas/adapters/aws/table-schema.ts';

export { TABLE_SCHEMA };

/** Prefixes whose object-created events go to the images queue, and to the labels queue. */
export const IMAGE_PREFIXES = ['images/', 'reference/'] as const;
export const LABEL_PREFIX = 'labels/';
export const REPORT_PREFIX = 'reports/';

/** Receives before a message is parked in its DLQ. */
export const MAX_RECEIVE_COUNT = 5;

export const PROFILE_FUNCTION = { memoryMb: 1769, timeoutSeconds: 120 } as const;
export const MONITORS_FUNCTION = { memoryMb: 1024, timeoutSeconds: 600 } as const;
export const LABELS_FUNCTION = { memoryMb: 1024, timeoutSeconds: 600 } as const;
export const MANIFEST_PREFIX = 'manifests/';

/**
 * Partials older than this are rolled up during the day (lambdas/adapters/aws/partial-rollup.ts). A
 * commit lands at most the profile function's timeout after the time in its key; three more
 * minutes cover clock differences between hosts.
 */
export const PARTIAL_SETTLE_SECONDS = PROFILE_FUNCTION.timeoutSeconds + 180;
/**
 * How long an image claimed by one profile attempt is kept from the others
 * (lambdas/adapters/aws/dynamo-partial-committer.ts): the attempt commits within the function's
 * timeout of its claim, and three more minutes cover clock differences between hosts. It must stay
 * below the images queue's visibility timeout, so a batch redelivered after a crash finds its
 * claims dead and takes them over instead of failing again.
 */
export const CLAIM_LEASE_SECONDS = PROFILE_FUNCTION.timeoutSeconds + 180;
/** About one profile commit in this many rolls up the day's settled partials. */
export const ROLLUP_EVERY_COMMITS = 32;

/** SQS visibility must exceed the consumer's timeout; AWS recommends six times it. */
export const IMAGES_QUEUE_VISIBILITY_SECONDS = 6 * PROFILE_FUNCTION.timeoutSeconds;
export const LABELS_QUEUE_VISIBILITY_SECONDS = 6 * LABELS_FUNCTION.timeoutSeconds;
