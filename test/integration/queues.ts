import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { fakeContext, sqsEvent } from '../helpers/lambda.ts';

/** The Lambda event of messages received from a queue. */
export const toSqsEvent = (messages: readonly Message[]): SQSEvent =>
  sqsEvent(messages.map((m) => ({ messageId: m.MessageId as string, body: m.Body as string })));

/**
 * Receives until `expected` messages arrived (or the attempts run out; with `expected` 0, until a
 * receive comes back empty). moto delivers S3 notifications asynchronously, so a big upload needs
 * more attempts: 30 plus one per 10 messages.
 */
export async function receiveAll(
  sqs: SQSClient,
  queueUrl: string,
  expected: number,
  options: { waitSeconds?: number; visibilityTimeout?: number } = {},
): Promise<Message[]> {
  const out: Message[] = [];
  for (let attempt = 0; attempt < expected / 10 + 30 && out.length < expected; attempt++) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: options.waitSeconds ?? 1,
        VisibilityTimeout: options.visibilityTimeout ?? 30,
      }),
    );
    out.push(...Messages);
    if (Messages.length === 0 && expected === 0) break;
  }
  return out;
}

export async function deleteAll(
  sqs: SQSClient,
  queueUrl: string,
  messages: readonly Message[],
): Promise<void> {
  for (let i = 0; i < messages.length; i += 10)
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages
          .slice(i, i + 10)
          .map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle as string })),
      }),
    );
}

/**
 * Hands the `objects` notifications on a queue (plus S3's first s3:TestEvent, when `withTestEvent`)
 * to a handler in batches of 10, as the event source mapping does, deletes them, and returns the
 * batches (to deliver some again). Throws when a notification is missing or a record failed.
 */
export async function deliverNotifications(
  sqs: SQSClient,
  queueUrl: string,
  objects: number,
  handler: (event: SQSEvent, context: typeof fakeContext) => Promise<SQSBatchResponse>,
  withTestEvent = true,
): Promise<SQSEvent[]> {
  const expected = objects + (withTestEvent ? 1 : 0);
  // moto delivers notifications as the objects are put, so no long polling is needed.
  const messages = await receiveAll(sqs, queueUrl, expected, {
    waitSeconds: 0,
    visibilityTimeout: 60,
  });
  if (messages.length !== expected)
    throw new Error(`expected ${expected} notifications, received ${messages.length}`);
  const batches: SQSEvent[] = [];
  for (let i = 0; i < messages.length; i += 10) batches.push(toSqsEvent(messages.slice(i, i + 10)));
  for (const batch of batches) {
    const { batchItemFailures } = await handler(batch, fakeContext);
    if (batchItemFailures.length > 0)
      throw new Error(`${batchItemFailures.length} record(s) failed in a batch`);
  }
  await deleteAll(sqs, queueUrl, messages);
  return batches;
}
