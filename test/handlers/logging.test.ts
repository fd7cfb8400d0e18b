import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FileLabelStore } from '../../lambdas/adapters/local/file-label-store.ts';
import { FileNightStore } from '../../lambdas/adapters/local/file-night-store.ts';
import { LocalPredictionIndex } from '../../lambdas/adapters/local/local-predictions.ts';
import { encodeJpeg, SharpDecoder } from '../../lambdas/adapters/sharp-codec.ts';
import { DEFAULT_MONITOR_CONFIG } from '../../lambdas/core/drift/monitor-config.ts';
import { makeHandler as makeLabelsHandler } from '../../lambdas/handlers/ingest-labels.ts';
import { makeHandler as makeProfileHandler } from '../../lambdas/handlers/profile-images.ts';
import { withTempDir } from '../helpers/files.ts';
import { scene } from '../helpers/images.ts';
import { fakeContext, s3EventBody, sqsEvent } from '../helpers/lambda.ts';

/** Everything the handlers log, captured from the console Powertools writes to in dev mode. */
function captureLogs(): () => string {
  vi.stubEnv('POWERTOOLS_DEV', 'true');
  const lines: string[] = [];
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, level).mockImplementation(
      (...args: unknown[]) => void lines.push(args.map(String).join(' ')),
    );
  }
  return () => lines.join('\n');
}

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe('what the handlers log', () => {
  it('logs counts and keys, never image bytes or label values', async () => {
    const logs = captureLogs();
    const jpeg = await encodeJpeg(scene(64, 48, 5));
    const secretLabel = 'label-nobody-should-see';
    await withTempDir(async (dir) => {
      const profile = makeProfileHandler({
        bucket: 'driftwatch-data',
        objects: {
          getObject: async () => ({ bytes: jpeg, metadata: { prediction: secretLabel } }),
        },
        committer: {
          maxItemsPerCommit: 100,
          itemsPerCommit: (_images, segments) => 2 + 2 * segments,
          newPartialId: (partialKey) => `p#${partialKey}`,
          claimImages: async (records) => ({
            claimed: records.map((r) => r.key),
            alreadyCounted: [],
            busy: [],
          }),
          commitPartial: async () => {},
          updateModelOutputs: async () => 0,
        },
        decoder: new SharpDecoder(),
        timeZone: 'UTC',
        recordTtlDays: 90,
        logger: new Logger({ logLevel: 'DEBUG' }),
        metrics: new Metrics({ namespace: 'Test' }),
      });
      await profile(
        sqsEvent([{ messageId: 'm1', body: s3EventBody('images/pets/a.jpg') }]),
        fakeContext,
      );

      const predictions = new LocalPredictionIndex();
      predictions.add({ key: 'day_1/a.jpg', day: 'day_1', prediction: 'cat' });
      const labels = makeLabelsHandler({
        bucket: 'driftwatch-data',
        predictions,
        labels: new FileLabelStore(dir),
        nights: new FileNightStore(dir),
        notifier: { publish: async () => undefined },
        config: DEFAULT_MONITOR_CONFIG,
        now: () => new Date(),
        openObject: async () => ({
          chunks: [`image,label\nday_1/a.jpg,${secretLabel}\n,${secretLabel}\n`],
        }),
        logger: new Logger({ logLevel: 'DEBUG' }),
        metrics: new Metrics({ namespace: 'Test' }),
      });
      await labels(
        sqsEvent([{ messageId: 'm2', body: s3EventBody('labels/pets/batch.csv') }]),
        fakeContext,
      );
    });
    const text = logs();
    expect(text).toContain('batch profiled');
    expect(text).toContain('labels ingested');
    expect(text).not.toContain(secretLabel);
    expect(text).not.toContain(Buffer.from(jpeg).toString('base64').slice(0, 40));
    expect(text).not.toMatch(/[A-Za-z0-9+/]{200,}/); // no blob of encoded bytes
  });

  it('logs a label file with unreadable rows or unknown images at WARN, a clean one at INFO', async () => {
    await withTempDir(async (dir) => {
      const predictions = new LocalPredictionIndex();
      predictions.add({ key: 'day_1/a.jpg', day: 'day_1', prediction: 'cat' });
      const logger = new Logger({ logLevel: 'SILENT' });
      const info = vi.spyOn(logger, 'info');
      const warn = vi.spyOn(logger, 'warn');
      const ingest = (file: string, body: string) =>
        makeLabelsHandler({
          bucket: 'driftwatch-data',
          predictions,
          labels: new FileLabelStore(dir),
          nights: new FileNightStore(dir),
          notifier: { publish: async () => undefined },
          config: DEFAULT_MONITOR_CONFIG,
          now: () => new Date(),
          openObject: async () => ({ chunks: [body] }),
          logger,
          metrics: new Metrics({ namespace: 'Test' }),
        })(sqsEvent([{ messageId: file, body: s3EventBody(`labels/pets/${file}`) }]), fakeContext);

      await ingest('clean.csv', 'image,label\nday_1/a.jpg,cat\n');
      expect(info).toHaveBeenCalledWith('labels ingested', expect.anything());
      expect(warn).not.toHaveBeenCalled();

      await ingest('messy.csv', 'image,label\nday_1/a.jpg,cat\n,cat\nnever-uploaded.jpg,dog\n');
      expect(warn).toHaveBeenCalledWith(
        'labels ingested with problems',
        expect.objectContaining({ issues: 1, unmatched: 1, file: 'labels/pets/messy.csv' }),
      );
    });
  });
});
