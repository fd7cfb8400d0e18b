import { DynamoNightStore } from '../lambdas/adapters/aws/dynamo-night-store.ts';
import { DynamoProfileStore } from '../lambdas/adapters/aws/dynamo-profile-store.ts';
import { partialSortKey } from '../lambdas/adapters/aws/partial-rollup.ts';
import { SnsNotifier } from '../lambdas/adapters/aws/sns-notifier.ts';
import { keys } from '../lambdas/adapters/aws/table-schema.ts';
import { DEFAULT_MONITOR_CONFIG } from '../lambdas/core/drift/monitor-config.ts';
import { NUMERIC_FEATURE_NAMES } from '../lambdas/core/features/catalogue.ts';
import { addImage, emptyProfile } from '../lambdas/core/profile/dataset-profile.ts';
import { encodeProfile } from '../lambdas/core/profile/profile-codec.ts';
import { SeededRandom } from '../lambdas/core/sketches/random.ts';
import { runNight } from '../lambdas/use-cases/run-night.ts';
import { startMoto } from '../test/integration/moto.ts';
import { clientsFor, createPipelineResources, writeItems } from '../test/integration/resources.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const args = process.argv.slice(2);
const N = Number(args[args.indexOf('--partials') + 1]) || 10_000;
const DATASET = 'pets';
const DAY = '2026-11-20';
const DISTINCT = 200;
const log = (message: string) => process.stderr.write(`${message}\n`);

const moto = await startMoto();
try {
  const c = clientsFor(moto.endpoint);
  const r = await createPipelineResources(c, `night${Date.now()}`);
  const random = new SeededRandom(7);
  const encoded = Array.from({ length: DISTINCT }, (_, s) => {
    const p = emptyProfile({ dataset: DATASET, window: { start: DAY, end: DAY } });
    for (let i = 0; i < 10; i++) {
      const numeric = Object.fromEntries(
        NUMERIC_FEATURE_NAMES.map((n) => [n, random.next() * 100]),
      );
      addImage(p, `images/${DATASET}/img_${s}_${i}.jpg`, { numeric, categorical: {} } as never);
    }
    return encodeProfile(p);
  });
  log(`storing ${N.toLocaleString()} partials…`);
  await writeItems(c, r.table, N, (i) => ({
    pk: keys.partials(DATASET, DAY),
    sk: partialSortKey(new Date(Date.UTC(2026, 10, 20, 0, 0, 0, i)), `p${i}`),
    profile: encoded[i % DISTINCT],
    images: 10,
  }));
  log('running the night…');
  const profiles = new DynamoProfileStore(c.db, r.table);
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const start = performance.now();
  const outcome = await runNight(DATASET, DAY, {
    profiles,
    nights: new DynamoNightStore(c.db, r.table),
    notifier: new SnsNotifier(c.sns, r.topicArn),
    config: DEFAULT_MONITOR_CONFIG,
    now: () => new Date(),
  });
  clearInterval(timer);
  const result = {
    partials: N,
    images: outcome.record.images,
    seconds: (performance.now() - start) / 1000,
    growthMb: Math.round((peak - baseline) / 2 ** 20),
  };
  if (args.includes('--json')) console.log(JSON.stringify(result));
  else
    console.log(
      `night over ${N.toLocaleString()} partials (${result.images.toLocaleString()} images) on moto_server: ${result.seconds.toFixed(1)} s, peak RSS growth ${result.growthMb} MB`,
    );
  if (result.images !== N * 10) process.exitCode = 1;
} finally {
  moto.stop();
}
