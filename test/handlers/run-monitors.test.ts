import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DynamoNightStore } from '../../lambdas/adapters/aws/dynamo-night-store.ts';
import { DynamoProfileStore } from '../../lambdas/adapters/aws/dynamo-profile-store.ts';
import { SnsNotifier } from '../../lambdas/adapters/aws/sns-notifier.ts';
import { DEFAULT_MONITOR_CONFIG } from '../../lambdas/core/drift/monitor-config.ts';
import type { ImageFeatures } from '../../lambdas/core/features/catalogue.ts';
import { addImage, emptyProfile } from '../../lambdas/core/profile/dataset-profile.ts';
import { encodeProfile } from '../../lambdas/core/profile/profile-codec.ts';
import {
  makeHandler,
  NightsFailedError,
  parseRunMonitorsRequest,
  type RunMonitorsDeps,
} from '../../lambdas/handlers/run-monitors.ts';
import { featureStream } from '../helpers/features.ts';
import { fakeContext } from '../helpers/lambda.ts';

const db = mockClient(DynamoDBDocumentClient);
const sns = mockClient(SNSClient);
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const profiles = new DynamoProfileStore(doc, 'table');
const deps: RunMonitorsDeps = {
  profiles,
  nights: new DynamoNightStore(doc, 'table'),
  notifier: new SnsNotifier(new SNSClient({}), 'arn:aws:sns:us-east-1:123456789012:alerts'),
  config: DEFAULT_MONITOR_CONFIG,
  now: () => new Date('2026-11-28T01:30:00Z'),
  timeZone: 'America/New_York',
  datasetsActiveOn: (day) => profiles.datasetsActiveOn(day),
  logger: new Logger({ logLevel: 'SILENT' }),
  metrics: new Metrics({ namespace: 'Test' }),
};
const handler = makeHandler(deps);

const encoded = (features: readonly ImageFeatures[], day: string) => {
  const p = emptyProfile({ dataset: 'pets', window: { start: day, end: day } });
  for (const [i, f] of features.entries()) addImage(p, `images/pets/${day}/${i}.jpg`, f);
  return encodeProfile(p);
};
const blurred = featureStream(100, 2).map((f) => ({
  ...f,
  numeric: { ...f.numeric, sharpness: (f.numeric.sharpness as number) / 4 },
}));

beforeEach(() => {
  db.on(QueryCommand).resolves({ Items: [] });
  // 01:30 UTC on the 28th is 20:30 on the 27th in New York: "yesterday" there is the 26th.
  db.on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'ACTIVE#2026-11-26' } }).resolves({
    Items: [{ sk: 'pets' }],
  });
  // Partials are read in two queries (keys from before rollups, then `p#` keys); no rollup here.
  db.on(QueryCommand, {
    ExpressionAttributeValues: { ':pk': 'PARTIAL#pets#2026-11-26', ':lower': 'p#' },
  }).resolves({ Items: [{ profile: encoded(blurred, '2026-11-26') }] });
  db.on(QueryCommand, {
    ExpressionAttributeValues: { ':pk': 'PARTIAL#pets#reference', ':lower': 'p#' },
  }).resolves({
    Items: [{ profile: encoded(featureStream(300, 1), 'reference') }],
  });
  db.on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'DAY#pets' } }).resolves({
    Items: [{ sk: '2026-11-26' }],
  });
  db.on(GetCommand).resolves({});
  db.on(PutCommand).resolves({});
  sns.on(PublishCommand).resolves({ MessageId: '1' });
});
afterEach(() => {
  db.reset();
  sns.reset();
  vi.restoreAllMocks();
});

describe('run-monitors handler', () => {
  it('evaluates yesterday in the configured time zone and publishes one ASCII digest', async () => {
    const response = await handler({}, fakeContext);
    expect(response.nights).toEqual([
      expect.objectContaining({ dataset: 'pets', day: '2026-11-26', images: 100, digest: 'sent' }),
    ]);
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    const subject = sns.commandCalls(PublishCommand)[0]?.args[0].input.Subject ?? '';
    expect(subject).toBe('[Driftwatch] pets 2026-11-26: drift in 1 feature (sharpness)');
    expect(db).toHaveReceivedCommandWith(PutCommand, {
      Item: expect.objectContaining({ pk: 'DAY#pets', sk: '2026-11-26' }),
    });
  });

  it('sends nothing when the digest claim fails its condition (the same alerts already went out)', async () => {
    db.on(PutCommand, { Item: { pk: 'DIGEST#pets' } }).rejects(
      new ConditionalCheckFailedException({
        message: 'The conditional request failed',
        $metadata: {},
      }),
    );
    const response = await handler({}, fakeContext);
    expect(response.nights[0]?.digest).toBe('already-sent');
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 0);
  });

  it('rejects a backfill whose range is reversed or not made of dates', async () => {
    await expect(handler({ from: '2026-11-05', to: '2026-11-01' }, fakeContext)).rejects.toThrow(
      /after to/,
    );
    await expect(handler({ from: 'last tuesday' }, fakeContext)).rejects.toThrow(
      /not a YYYY-MM-DD date/,
    );
  });

  it('takes a single day as a one-day backfill, and {} or null as the scheduled run', () => {
    expect(parseRunMonitorsRequest({ dataset: 'pets', day: '2026-11-26' })).toEqual({
      dataset: 'pets',
      from: '2026-11-26',
      to: '2026-11-26',
    });
    expect(parseRunMonitorsRequest({})).toEqual({});
    expect(parseRunMonitorsRequest(null)).toEqual({});
  });

  it('names unknown fields, at most five and each cut short, and never runs on a misspelt input', async () => {
    const many = Object.fromEntries(
      ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((k) => [`${k.repeat(500)}\nX`, 1]),
    );
    expect(() => parseRunMonitorsRequest(many)).toThrow(
      /unknown fields "a{39}…", "b{39}…", .* and 2 more \(allowed/,
    );
    expect(() => parseRunMonitorsRequest(many)).not.toThrow(/a{40}|\n/);
    expect(() => parseRunMonitorsRequest('2026-11-26')).toThrow(/expected object/);
    await expect(handler({ dataset: 'pets', days: '2026-11-20' }, fakeContext)).rejects.toThrow(
      'unknown field "days"',
    );
    expect(db).toHaveReceivedCommandTimes(QueryCommand, 0);
  });

  it('runs every other dataset when one fails, logs and counts the failure, and fails the invocation naming it', async () => {
    const logger = new Logger({ logLevel: 'SILENT' });
    const errors = vi.spyOn(logger, 'error');
    const metrics = new Metrics({ namespace: 'Test' });
    const added = vi.spyOn(metrics, 'addMetric');
    const isolating = makeHandler({ ...deps, logger, metrics });
    const longName = 'x'.repeat(1100);
    db.on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'ACTIVE#2026-11-26' } }).resolves({
      Items: [{ sk: 'broken' }, { sk: longName }, { sk: 'pets' }],
    });
    db.on(QueryCommand, {
      ExpressionAttributeValues: { ':pk': 'PARTIAL#broken#2026-11-26', ':lower': 'p#' },
    }).rejects(new Error('the table is unreachable'));

    const failed = await isolating({}, fakeContext).catch((error: Error) => error);

    expect(failed).toBeInstanceOf(NightsFailedError);
    expect((failed as Error).message).toMatch(/^2 of 3 nights failed \(datasets: broken, x{59}…\)/);
    // The good dataset still got its night and its digest.
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(db).toHaveReceivedCommandWith(PutCommand, {
      Item: expect.objectContaining({ pk: 'DAY#pets', sk: '2026-11-26' }),
    });
    // The long name was refused before any key was built from it.
    expect(
      db
        .commandCalls(QueryCommand)
        .filter((c) => JSON.stringify(c.args[0].input).includes(longName)),
    ).toEqual([]);
    expect(errors).toHaveBeenCalledTimes(2);
    expect(errors.mock.calls[0]?.[1]).toMatchObject({
      dataset: 'broken',
      error: 'the table is unreachable',
    });
    expect(JSON.stringify(errors.mock.calls[1]?.[1]).length).toBeLessThan(600);
    expect(added).toHaveBeenCalledWith('NightsFailed', 'Count', 2);
  });

  it('refuses an oversized request field without quoting it back', async () => {
    const huge = `2026-11-01${'9'.repeat(100_000)}`;
    const error = await handler({ from: huge }, fakeContext).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message.length).toBeLessThan(1000);
    expect((error as Error).message).not.toContain('9999999999');
  });

  it('refuses a backfill for a dataset name that routing would refuse', async () => {
    await expect(handler({ dataset: 'pe ts', from: '2026-11-01' }, fakeContext)).rejects.toThrow(
      /only letters/,
    );
  });
});
