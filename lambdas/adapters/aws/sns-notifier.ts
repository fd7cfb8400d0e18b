import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Digest } from '../../core/drift/digest.ts';
import type { Notifier } from '../../ports/notifier.ts';

/** SNS subjects must be ASCII, without line breaks, under 100 characters. */
export function snsSubject(subject: string): string {
  const ascii = subject
    .replace(/…/g, '...')
    .normalize('NFKD')
    .replace(/[^\x20-\x7e]/g, '');
  return ascii.length > 99 ? `${ascii.slice(0, 96)}...` : ascii;
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
        Message: digest.text,
        MessageAttributes: {
          dataset: { DataType: 'String', StringValue: digest.dataset },
          day: { DataType: 'String', StringValue: digest.day },
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
