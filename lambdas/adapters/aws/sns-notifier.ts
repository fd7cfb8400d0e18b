import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { type Digest, plainText } from '../../core/drift/digest.ts';
import type { Notifier } from '../../ports/notifier.ts';

/** SNS subjects must be ASCII, without line breaks, under 100 characters. */
export function snsSubject(subject: string): string {
  const ascii = subject
    .replace(/…/g, '...')
    .normalize('NFKD')
    .replace(/[^\x20-\x7e]/g, '');
  return ascii.length > 99 ? `${ascii.slice(0, 96)}...` : ascii;
}

/** Message attributes carry names for subscription filters: cleaned like the digest text, and short. */
export const MAX_ATTRIBUTE_LENGTH = 100;
/**
 * SNS refuses a message over 256 KiB (body and attributes together); a digest with thousands of
 * segment lines is cut well below that and points to the report instead.
 */
export const MAX_MESSAGE_BYTES = 200 * 1024;

const attribute = (value: string) => ({
  DataType: 'String',
  // SNS refuses an empty string value.
  StringValue: plainText(value, MAX_ATTRIBUTE_LENGTH).trim() || '-',
});

/** The digest text, cut at a line break under MAX_MESSAGE_BYTES when it is longer. */
export function snsMessage(text: string): string {
  if (Buffer.byteLength(text) <= MAX_MESSAGE_BYTES) return text;
  const note = '\n… (digest cut at the SNS message size limit: the report has every alert)';
  const head = Buffer.from(text)
    .subarray(0, MAX_MESSAGE_BYTES - Buffer.byteLength(note))
    .toString('utf8');
  // A cut inside a multi-byte character decodes to U+FFFD; cutting at the last line break drops it.
  return head.slice(0, Math.max(0, head.lastIndexOf('\n'))) + note;
}

/** Publishes the digest text to the topic; dataset, day and severity ride along as message attributes for filtering. */
export class SnsNotifier implements Notifier {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(digest: Digest): Promise<void> {
    const severities = new Set(digest.alerts.map((a) => a.severity));
    await this.sns.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Subject: snsSubject(digest.subject),
        Message: snsMessage(digest.text),
        MessageAttributes: {
          dataset: attribute(digest.dataset),
          day: attribute(digest.day),
          severity: {
            DataType: 'String',
            StringValue: severities.has('high')
              ? 'high'
              : severities.has('medium')
                ? 'medium'
                : 'low',
          },
          update: { DataType: 'String', StringValue: String(digest.update) },
        },
      }),
    );
  }
}
