/**
 * `npm run bench:pixels`: peak memory of one profile-images invocation on a batch of ten
 * 7000 × 7000 PNGs (49 MP each, just under the 50 MP limit; small files, as an attacker would
 * send), without and with the pixel budget (issue 15 finding 1). The handler is the real one on
 * moto_server (S3 and DynamoDB); each run is its own process, so its peak RSS (getrusage maxrss) is
 * its own. A run on one image gives the bytes one decoded pixel costs at the peak.
 *
 *   node --expose-gc --import tsx bench/pixel-budget.ts [--images 10]
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import { optionalOption } from '../eval/options.ts';
import { PROFILE_FUNCTION } from '../infra/definitions.ts';
import { DynamoPartialCommitter } from '../lambdas/adapters/aws/dynamo-partial-committer.ts';
import { S3ObjectStore } from '../lambdas/adapters/aws/s3-object-store.ts';
import { encodePng, SharpDecoder } from '../lambdas/adapters/sharp-codec.ts';
import { makeHandler } from '../lambdas/handlers/profile-images.ts';
import { BYTES_PER_PIXEL_IN_FLIGHT, pixelBudgetFor } from '../lambdas/use-cases/pixel-budget.ts';
import { scene } from '../test/helpers/images.ts';
import { fakeContext, s3EventBody, sqsEvent } from '../test/helpers/lambda.ts';
import { startMoto } from '../test/integration/moto.ts';
import { clientsFor, createPipelineResources } from '../test/integration/resources.ts';

const SIDE = 7000;
const args = process.argv.slice(2);
const log = (message: string) => process.stderr.write(`${message}\n`);
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

const MB = 1024 * 1024;
const gc = (globalThis as { gc?: () => void }).gc;

interface RunResult {
  readonly images: number;
  readonly budget: number | null;
  readonly baselineMb: number;
  readonly peakMb: number;
  readonly seconds: number;
  readonly profiled: number;
  readonly failures: number;
}

/** One invocation in this process: the handler on `count` images, pixel budget or none. */
async function runOnce(): Promise<RunResult> {
  const c = clientsFor(optionalOption(args, 'endpoint') as string);
  const bucket = optionalOption(args, 'bucket') as string;
  const count = Number(optionalOption(args, 'count'));
  const budget =
    optionalOption(args, 'budget') === 'none' ? undefined : Number(optionalOption(args, 'budget'));
  const prefix = optionalOption(args, 'prefix') as string;
  let profiled = 0;
  const handler = makeHandler({
    bucket,
    maxPixelsInFlight: budget,
    objects: new S3ObjectStore(c.s3),
    committer: new DynamoPartialCommitter(c.db, optionalOption(args, 'table') as string),
    decoder: new SharpDecoder(),
    timeZone: 'UTC',
    recordTtlDays: 90,
    logger: new Logger({ logLevel: 'SILENT' }),
    // Counts the images profiled instead of emitting metrics.
    metrics: Object.assign(new Metrics({ namespace: 'Bench' }), {
      addMetric: (name: string, _unit: unknown, value: number) => {
        if (name === 'ImagesProfiled') profiled += value;
      },
      publishStoredMetrics: () => undefined,
    }) as unknown as Metrics,
  });
  const event = sqsEvent(
    Array.from({ length: count }, (_, i) => ({
      messageId: `m${i}`,
      body: s3EventBody(`${prefix}/${i}.png`, '2026-11-30T10:00:00Z', bucket),
    })),
  );
  // Warm up the SDK clients and sharp on a tiny image, so the baseline holds what a warm container does.
  await handler(
    sqsEvent([{ messageId: 'w', body: s3EventBody(`${prefix}/warm.png`, undefined, bucket) }]),
    fakeContext,
  );
  profiled = 0;
  gc?.();
  const baselineMb = process.memoryUsage().rss / MB;
  const started = performance.now();
  const response = await handler(event, fakeContext);
  return {
    images: count,
    budget: budget ?? null,
    baselineMb,
    peakMb: process.resourceUsage().maxRSS / 1024,
    seconds: (performance.now() - started) / 1000,
    profiled,
    failures: response.batchItemFailures.length,
  };
}

async function main() {
  const images = Number(optionalOption(args, 'images') ?? 10);
  const moto = await startMoto();
  try {
    const c = clientsFor(moto.endpoint);
    const r = await createPipelineResources(c, `px${Date.now()}`);
    // A smooth scene blown up to 7000 × 7000 in 50-pixel blocks: ~1 MB of PNG, 49 MP decoded.
    const png = await sharp(await encodePng(scene(140, 140, 3)))
      .resize(SIDE, SIDE, { kernel: 'nearest' })
      .png({ compressionLevel: 9 })
      .toBuffer();
    const warm = await encodePng(scene(32, 32, 1));
    log(`input: ${images} PNGs of ${SIDE} × ${SIDE} (${(png.length / 1024).toFixed(0)} KB each)`);
    const budget = pixelBudgetFor(PROFILE_FUNCTION.memoryMb);
    const runs = [
      { name: 'one image (bytes per pixel)', count: 1, budget: 'none' },
      { name: 'no budget (before)', count: images, budget: 'none' },
      {
        name: `budget ${(budget / 1e6).toFixed(0)} MP (after)`,
        count: images,
        budget: String(budget),
      },
    ];
    const results: { name: string; result: RunResult }[] = [];
    for (const [n, run] of runs.entries()) {
      const prefix = `images/bench${n}`;
      for (const [key, body] of [
        ...Array.from({ length: run.count }, (_, i) => [`${prefix}/${i}.png`, png] as const),
        [`${prefix}/warm.png`, warm] as const,
      ])
        await c.s3.send(new PutObjectCommand({ Bucket: r.bucket, Key: key, Body: body }));
      const child = spawnSync(
        process.execPath,
        [
          '--expose-gc',
          '--import',
          'tsx',
          fileURLToPath(import.meta.url),
          '--child',
          ...['--endpoint', moto.endpoint, '--bucket', r.bucket, '--table', r.table],
          ...['--count', String(run.count), '--budget', run.budget, '--prefix', prefix],
        ],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
      );
      if (child.status !== 0) throw new Error(`${run.name}: the run failed (${child.status})`);
      results.push({ name: run.name, result: JSON.parse(child.stdout) as RunResult });
    }
    console.log(
      `| run | images | peak RSS | growth over the warm baseline | time | profiled |\n|---|---|---|---|---|---|`,
    );
    for (const { name, result } of results)
      console.log(
        `| ${name} | ${result.images} | ${result.peakMb.toFixed(0)} MB | ${(result.peakMb - result.baselineMb).toFixed(0)} MB | ${result.seconds.toFixed(1)} s | ${result.profiled}${result.failures ? ` (${result.failures} failed)` : ''} |`,
      );
    const perPixel = (result: RunResult | undefined) =>
      result ? (((result.peakMb - result.baselineMb) * MB) / (SIDE * SIDE)).toFixed(1) : '?';
    // With the budget one 49 MP image is in flight at a time, but the previous image's buffers
    // wait for the garbage collector: the growth per pixel in flight is what the budget must assume.
    console.log(
      `\none image alone: ${perPixel(results[0]?.result)} B per pixel at the peak; one image in flight among ten: ${perPixel(results[2]?.result)} B per pixel (the budget assumes ${BYTES_PER_PIXEL_IN_FLIGHT}); profile function memory ${PROFILE_FUNCTION.memoryMb} MB`,
    );
  } finally {
    moto.stop();
  }
}

if (args.includes('--child')) console.log(JSON.stringify(await runOnce()));
else await main();
