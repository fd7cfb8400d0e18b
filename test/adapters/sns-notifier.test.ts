import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  MAX_ATTRIBUTE_LENGTH,
  MAX_MESSAGE_BYTES,
  SnsNotifier,
} from '../../lambdas/adapters/aws/sns-notifier.ts';
import type { Digest } from '../../lambdas/core/drift/digest.ts';

const sns = mockClient(SNSClient);
afterEach(() => sns.reset());

const digest = (over: Partial<Digest>): Digest => ({
  dataset: 'pets',
  day: '2026-11-28',
  subject: '[Driftwatch] pets 2026-11-28: 1 alert',
  text: 'Driftwatch found 1 problem.',
  alerts: [],
  fingerprint: 'f',
  update: false,
  ...over,
});

async function published(d: Digest) {
  sns.on(PublishCommand).resolves({ MessageId: '1' });
  await new SnsNotifier(new SNSClient({}), 'arn:aws:sns:us-east-1:123456789012:alerts').publish(d);
  const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
  if (!input) throw new Error('nothing published');
  return input;
}

describe('SnsNotifier', () => {
  it('sends the dataset attribute without bidi, zero-width or control characters, capped in length', async () => {
    const input = await published(
      digest({ dataset: `evil\u202Egpj.exe\u200B\n${'x'.repeat(5000)}`, day: 'day\u2066' }),
    );
    const dataset = input.MessageAttributes?.dataset?.StringValue ?? '';
    expect(dataset.startsWith('evilgpj.exe x')).toBe(true);
    expect(Array.from(dataset).length).toBeLessThanOrEqual(MAX_ATTRIBUTE_LENGTH);
    expect(dataset).not.toMatch(/[\p{Cf}\p{Cc}]/u);
    expect(input.MessageAttributes?.day?.StringValue).toBe('day');
  });

  it('never sends an empty attribute (SNS refuses one)', async () => {
    const input = await published(digest({ dataset: '\u202E\u200B' }));
    expect(input.MessageAttributes?.dataset?.StringValue).toBe('-');
  });

  it('cuts a digest longer than the SNS limit at a line break and says where the rest is', async () => {
    const text = Array.from({ length: 20_000 }, (_, i) => `  • segment cam-${i} drifted é`).join(
      '\n',
    );
    const input = await published(digest({ text }));
    const message = input.Message ?? '';
    expect(Buffer.byteLength(message)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    expect(message).toMatch(/drifted é\n… \(digest cut at the SNS message size limit/);
    expect(message).not.toContain('\uFFFD');
  });

  it('sends a digest under the limit unchanged', async () => {
    const input = await published(digest({ text: 'line one\nline two' }));
    expect(input.Message).toBe('line one\nline two');
  });
});
