import { PutObjectCommand } from '@aws-sdk/client-s3';
import { numberOption } from '../eval/options.ts';
import { keys } from '../lambdas/adapters/aws/table-schema.ts';
import { fakeContext, s3EventBody, sqsEvent } from '../test/helpers/lambda.ts';
import { startMoto } from '../test/integration/moto.ts';
import {
  clientsFor,
  createPipelineResources,
  labelsHandlerOn,
  writeItems,
} from '../test/integration/resources.ts';

const args = process.argv.slice(2);
const N = numberOption(args, 'labels', 20_000);
const LATENCY_MS = numberOption(args, 'latency-ms', 0);
const DATASET = 'pets';
const DAYS = 7;
const log = (message: string) => process.stderr.write(`${message}\n`);
const imageKey = (i: number) => `images/${DATASET}/2026/11/0${(i % DAYS) + 1}/img_${i}.jpg`;

// Quiet as in the tests: no SDK Node-version notice, no metric lines between the figures.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
const moto = await startMoto();
try {
  const c = clientsFor(moto.endpoint);
  // Calls and the time spent waiting on each operation (several may be in flight at once).
  const calls = new Map<string, { n: number; seconds: number }>();
  c.db.middlewareStack.add(
    (next, context) => async (input) => {
      const name = (context.commandName ?? '?').replace(/Command$/, '');
      const start = performance.now();
      if (LATENCY_MS > 0) await new Promise((resolve) => setTimeout(resolve, LATENCY_MS));
      try {
        return await next(input);
      } finally {
        const entry = calls.get(name) ?? { n: 0, seconds: 0 };
        entry.n++;
        entry.seconds += (performance.now() - start) / 1000;
        calls.set(name, entry);
      }
    },
    { step: 'initialize', name: 'countCalls' },
  );
  const r = await createPipelineResources(c, `bench${Date.now()}`);

  log(`baseline: writing ${N.toLocaleString()} prediction records…`);
  const expiresAt = Math.floor(Date.now() / 1000) + 86_400;
  const baselineStart = performance.now();
  await writeItems(c, r.table, N, (i) => ({
    // Records as profile-images claims them: under their file name, with no byName index entry.
    ...keys.image(DATASET, imageKey(i)),
    dataset: DATASET,
    key: imageKey(i),
    day: `2026-11-0${(i % DAYS) + 1}`,
    capturedAt: `2026-11-0${(i % DAYS) + 1}T12:00:00Z`,
    expiresAt,
    prediction: i % 2 ? 'cat' : 'dog',
  }));
  const baseline = (performance.now() - baselineStart) / 1000;

  const handler = labelsHandlerOn(c, r);
  const files = {
    'final labels': ['image,label', ...range(N).map((i) => `${imageKey(i)},cat`)],
    'crowd, 3 annotators': [
      'image,label,annotator',
      ...range(N).flatMap((i) =>
        ['a', 'b', 'c'].map(
          (who, k) => `${imageKey(i)},${k === 2 && i % 5 === 0 ? 'dog' : 'cat'},${who}`,
        ),
      ),
    ],
  };
  const rows = [
    ['file', 'rows', 'seconds', 'labels/s', 'vs bare writes', 'DynamoDB calls (time waiting)'],
  ];
  for (const [name, lines] of Object.entries(files)) {
    const key = `labels/${DATASET}/${name.replace(/\W+/g, '-')}.csv`;
    await c.s3.send(new PutObjectCommand({ Bucket: r.bucket, Key: key, Body: lines.join('\n') }));
    calls.clear();
    log(`ingesting ${name}…`);
    const start = performance.now();
    const response = await handler(
      sqsEvent([{ messageId: name, body: s3EventBody(key, undefined, r.bucket) }]),
      fakeContext,
    );
    const seconds = (performance.now() - start) / 1000;
    if (response.batchItemFailures.length > 0) throw new Error(`${name}: ingestion failed`);
    rows.push([
      name,
      (lines.length - 1).toLocaleString(),
      seconds.toFixed(1),
      Math.round(N / seconds).toLocaleString(),
      `${(seconds / baseline).toFixed(2)}×`,
      [...calls]
        .map(([op, { n, seconds }]) => `${op} ${n.toLocaleString()} (${seconds.toFixed(1)} s)`)
        .join(', '),
    ]);
  }
  console.log(
    `\nLabel ingestion on moto_server${LATENCY_MS ? ` + ${LATENCY_MS} ms per DynamoDB call` : ''}, ${N.toLocaleString()} images over ${DAYS} days; baseline: ${N.toLocaleString()} items by sequential 25-item BatchWriteItem in ${baseline.toFixed(1)} s (${Math.round(N / baseline).toLocaleString()}/s)\n`,
  );
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
} finally {
  moto.stop();
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
