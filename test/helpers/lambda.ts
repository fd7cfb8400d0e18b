import { readFileSync } from 'node:fs';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';

/** A fake Lambda context with a generous remaining time. */
export const fakeContext: Context = {
  callbackWaitsForEmptyEventLoop: false,
  functionName: 'driftwatch-test',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:driftwatch-test',
  memoryLimitInMB: '1769',
  awsRequestId: 'test-request',
  logGroupName: '/aws/lambda/driftwatch-test',
  logStreamName: 'test',
  getRemainingTimeInMillis: () => 60_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
};

const S3_EVENT = JSON.parse(
  readFileSync(new URL('../fixtures/events/s3-object-created.json', import.meta.url), 'utf8'),
);

/** The body S3 sends to SQS for one created object (key URL-encoded as S3 does). */
export function s3EventBody(
  key: string,
  eventTime = '2026-11-27T10:15:00.000Z',
  bucket = 'driftwatch-data',
): string {
  const event = structuredClone(S3_EVENT);
  event.Records[0].s3.object.key = encodeURIComponent(key)
    .replace(/%20/g, '+')
    .replace(/%2F/g, '/');
  event.Records[0].s3.bucket.name = bucket;
  event.Records[0].eventTime = eventTime;
  return JSON.stringify(event);
}

export function sqsEvent(bodies: readonly { messageId: string; body: string }[]): SQSEvent {
  return {
    Records: bodies.map(
      ({ messageId, body }): SQSRecord => ({
        messageId,
        receiptHandle: `handle-${messageId}`,
        body,
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: '0',
          SenderId: 'AIDA',
          ApproximateFirstReceiveTimestamp: '0',
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:images',
        awsRegion: 'us-east-1',
      }),
    ),
  };
}
