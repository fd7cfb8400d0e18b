import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';

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
