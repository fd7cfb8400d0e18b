import type { SQSRecord } from 'aws-lambda';
import type { ImageEvent } from '../use-cases/profile-batch.ts';

export class MalformedMessageError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MalformedMessageError';
  }
}

/** S3 URL-encodes keys in events, with '+' for spaces (moto also encodes '/'). */
export function decodeS3Key(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

interface S3EventBody {
  Event?: string;
  Records?: {
    eventName?: string;
    eventTime?: string;
    s3?: { bucket?: { name?: string }; object?: { key?: string; sequencer?: string } };
  }[];
}

/**
 * S3's `sequencer` orders the events of one key: per the S3 event message structure docs, compare
 * two as hexadecimal numbers, left-padding the shorter with zeros. Padded to 32 upper-case digits,
 * plain string order (as DynamoDB compares) is that order. Undefined when absent or not hex.
 */
export function comparableSequencer(sequencer: string | undefined): string | undefined {
  if (sequencer === undefined || !/^[0-9A-Fa-f]{1,32}$/.test(sequencer)) return undefined;
  return sequencer.toUpperCase().padStart(32, '0');
}

/**
 * The object-created events in one SQS message from an S3 bucket notification. The `s3:TestEvent`
 * that S3 sends when a notification is configured yields none. A body that is not an S3 event
 * throws, so the message is retried and then parked in the DLQ for someone to look at.
 */
export function imageEventsOf(record: SQSRecord): ImageEvent[] {
  let body: S3EventBody;
  try {
    body = JSON.parse(record.body) as S3EventBody;
  } catch (error) {
    throw new MalformedMessageError(`message ${record.messageId} is not JSON`, { cause: error });
  }
  if (body.Event === 's3:TestEvent') return [];
  if (!Array.isArray(body.Records))
    throw new MalformedMessageError(`message ${record.messageId} is not an S3 event notification`);
  return body.Records.filter((r) => r.eventName?.startsWith('ObjectCreated:')).map((r) => {
    const bucket = r.s3?.bucket?.name;
    const key = r.s3?.object?.key;
    if (!bucket || !key)
      throw new MalformedMessageError(
        `message ${record.messageId} has an S3 record without bucket or key`,
      );
    return {
      messageId: record.messageId,
      bucket,
      key: decodeS3Key(key),
      eventTime: r.eventTime ?? new Date(0).toISOString(),
      sequencer: comparableSequencer(r.s3?.object?.sequencer),
    };
  });
}

/**
 * The events of one message split by bucket: `ours` name the configured bucket, `foreign` any
 * other. Only a queue policy stops another bucket's notifications reaching our queue, and only IAM
 * stops the handler reading that bucket; the code checks too, and never reads a foreign object.
 */
export function eventsByBucket(
  record: SQSRecord,
  bucket: string,
): { ours: ImageEvent[]; foreign: ImageEvent[] } {
  const ours: ImageEvent[] = [];
  const foreign: ImageEvent[] = [];
  for (const event of imageEventsOf(record)) (event.bucket === bucket ? ours : foreign).push(event);
  return { ours, foreign };
}
