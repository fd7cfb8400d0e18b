/**
 * `npm run bench`: how fast and how big Driftwatch is, measured in one run on this machine.
 * Every speed is also given as a ratio against a baseline measured in the same run, so the figures
 * travel between machines better than absolute times. Generates its own inputs; no network.
 *
 *   npx tsx bench/run.ts [--images 500] [--partials 10000] [--folder-images 1000] [--folder-rounds 3]
 *   npx tsx bench/run.ts --profiling-only   # profiling against bare decode, and the JS passes' CPU
 *   npx tsx bench/run.ts --folder-only      # local mode's folder throughput (folder-throughput.ts)
 */
import sharp from 'sharp';
import { numberOption } from '../eval/options.ts';
import { maxRankError } from '../eval/rank-error.ts';
import { PARTIAL_SETTLE_SECONDS, ROLLUP_EVERY_COMMITS } from '../infra/definitions.ts';
import { encodeJpeg, SharpDecoder } from '../lambdas/adapters/sharp-codec.ts';
import { buildBaselines } from '../lambdas/core/drift/baselines.ts';
import { evaluateMonitors } from '../lambdas/core/drift/evaluate-monitors.ts';
import { DEFAULT_MONITOR_CONFIG } from '../lambdas/core/drift/monitor-config.ts';
import {
  CATEGORICAL_FEATURES,
  type ImageFeatures,
  NUMERIC_FEATURE_NAMES,
} from '../lambdas/core/features/catalogue.ts';
import { extractFeatures } from '../lambdas/core/features/extract-features.ts';
import {
  addImage,
  cloneProfile,
  type DatasetProfile,
  emptyProfile,
  mergeInto,
} from '../lambdas/core/profile/dataset-profile.ts';
import { decodeProfile, encodeProfile } from '../lambdas/core/profile/profile-codec.ts';
import { DEFAULT_KLL_K, KllSketch } from '../lambdas/core/sketches/kll-sketch.ts';
import { SeededRandom } from '../lambdas/core/sketches/random.ts';
import { runInFlight } from '../lambdas/core/util/in-flight.ts';
import { syntheticPhoto } from '../lambdas/scenario/synthetic-photo.ts';
import { folderThroughputRows } from './folder-throughput.ts';

const args = process.argv.slice(2);
const IMAGES = numberOption(args, 'images', 500);
const PROFILING_ONLY = args.includes('--profiling-only');
const PARTIALS = numberOption(args, 'partials', 10_000);
const FOLDER_IMAGES = numberOption(args, 'folder-images', 1000);
const FOLDER_ROUNDS = numberOption(args, 'folder-rounds', 3);
const FOLDER_ONLY = args.includes('--folder-only');
const IN_FLIGHT = 4;
const log = (message: string) => process.stderr.write(`${message}\n`);
const rows: string[][] = [];
const row = (...cells: (string | number)[]) => rows.push(cells.map(String));

async function timeIt<T>(fn: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { seconds: (performance.now() - start) / 1000, value };
}

const inFlight = (
  items: readonly Uint8Array[],
  n: number,
  work: (b: Uint8Array) => Promise<unknown>,
) =>
  runInFlight(items.length, n, async (i) => {
    await work(items[i] as Uint8Array);
  });

let serialProfileSeconds = 0;

async function throughput(label: string, jpegs: readonly Uint8Array[]) {
  const decoder = new SharpDecoder();
  const bare = (b: Uint8Array) => sharp(b).raw().toBuffer();
  // The pipeline's path: the pixel budget reads the header, then the decode reuses it.
  const profile = async (b: Uint8Array) => {
    await decoder.pixelsOf(b);
    const d = await decoder.decode(b);
    if (d.ok) extractFeatures(d.image, d.container);
  };
  // Warm up both paths (JIT, libvips caches) before timing.
  for (const b of jpegs.slice(0, 10)) {
    await bare(b);
    await profile(b);
  }
  await featurePassesCpu(label, jpegs);
  await serialThroughput(label, jpegs, bare, profile);
  const decodeTime = (await timeIt(() => inFlight(jpegs, IN_FLIGHT, bare))).seconds;
  const profileTime = (await timeIt(() => inFlight(jpegs, IN_FLIGHT, profile))).seconds;
  row(
    `profiling ${label}, ${IN_FLIGHT} in flight`,
    `${(jpegs.length / profileTime).toFixed(0)} img/s`,
    `bare sharp decode ${(jpegs.length / decodeTime).toFixed(0)} img/s`,
    `${(decodeTime / profileTime).toFixed(2)}×`,
  );
}

/** Batches of this many images alternate between bare decode and profiling in the serial rows. */
const SERIAL_BATCH = 10;

/**
 * Serial profiling against bare decode of the same files, one image at a time. The two alternate
 * batch by batch, so a busy neighbour on a shared machine slows both alike; the ratio is of the
 * total times, and the best batch of each is given beside it (closest to an idle machine).
 */
async function serialThroughput(
  label: string,
  jpegs: readonly Uint8Array[],
  bare: (b: Uint8Array) => Promise<unknown>,
  profile: (b: Uint8Array) => Promise<unknown>,
) {
  const batch = Math.min(SERIAL_BATCH, Math.max(1, Math.floor(jpegs.length / 10)));
  let decodeTotal = 0;
  let profileTotal = 0;
  let decodeBest = Number.POSITIVE_INFINITY;
  let profileBest = Number.POSITIVE_INFINITY;
  for (let start = 0; start < jpegs.length; start += batch) {
    const images = jpegs.slice(start, start + batch);
    const decode = (await timeIt(() => inFlight(images, 1, bare))).seconds;
    const profiled = (await timeIt(() => inFlight(images, 1, profile))).seconds;
    decodeTotal += decode;
    profileTotal += profiled;
    decodeBest = Math.min(decodeBest, decode / images.length);
    profileBest = Math.min(profileBest, profiled / images.length);
  }
  if (label.includes('500×375')) serialProfileSeconds = profileTotal / jpegs.length;
  row(
    `profiling ${label}, serial`,
    `${(jpegs.length / profileTotal).toFixed(0)} img/s`,
    `bare sharp decode ${(jpegs.length / decodeTotal).toFixed(0)} img/s; best batches ${(profileBest * 1000).toFixed(2)} vs ${(decodeBest * 1000).toFixed(2)} ms/img: ${(decodeBest / profileBest).toFixed(2)}×`,
    `${(decodeTotal / profileTotal).toFixed(2)}×`,
  );
}

/**
 * CPU time of the JS feature passes alone (extractFeatures on already decoded pixels), per image,
 * against the CPU time of sharp's bare decode of the same files. CPU time (process.cpuUsage) is
 * steadier than wall time on a shared machine.
 */
async function featurePassesCpu(label: string, jpegs: readonly Uint8Array[]) {
  const decoder = new SharpDecoder();
  const decoded = [];
  for (const b of jpegs) {
    const d = await decoder.decode(b);
    if (d.ok) decoded.push(d);
  }
  const cpuMs = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  // Best batch of SERIAL_BATCH images over three sweeps: the least disturbed by other processes.
  let passes = Number.POSITIVE_INFINITY;
  let decode = Number.POSITIVE_INFINITY;
  const batch = Math.min(SERIAL_BATCH, Math.max(1, Math.floor(decoded.length / 4)));
  for (let sweep = 0; sweep < 3; sweep++) {
    for (let start = 0; start + batch <= decoded.length; start += batch) {
      let t = cpuMs();
      for (const d of decoded.slice(start, start + batch)) extractFeatures(d.image, d.container);
      passes = Math.min(passes, (cpuMs() - t) / batch);
      t = cpuMs();
      for (const b of jpegs.slice(start, start + batch)) await sharp(b).raw().toBuffer();
      decode = Math.min(decode, (cpuMs() - t) / batch);
    }
  }
  row(
    `JS feature passes ${label}, CPU per image`,
    `${passes.toFixed(2)} ms`,
    `bare sharp decode ${decode.toFixed(2)} ms CPU per image`,
    `${(passes / decode).toFixed(2)}× decode`,
  );
}

function randomFeatures(random: SeededRandom): ImageFeatures {
  const numeric: Record<string, number> = {};
  for (const [i, name] of NUMERIC_FEATURE_NAMES.entries())
    numeric[name] = i % 2 ? random.next() * 100 : Math.exp(random.next() * 4);
  const categorical: Record<string, string> = {};
  for (const name of CATEGORICAL_FEATURES) categorical[name] = `v${Math.floor(random.next() * 3)}`;
  return { numeric, categorical } as ImageFeatures;
}

function partialOf(images: number, seed: number): DatasetProfile {
  const random = new SeededRandom(seed);
  const p = emptyProfile({ dataset: 'bench', window: { start: '2026-11-28', end: '2026-11-28' } });
  for (let i = 0; i < images; i++)
    addImage(p, `images/bench/2026/11/28/cam-01/img_${seed}_${i}.jpg`, randomFeatures(random));
  return p;
}

function mergeBench(partials: readonly Uint8Array[], count: number) {
  const before = process.memoryUsage();
  let peakRss = before.rss;
  const start = performance.now();
  let merged: DatasetProfile | undefined;
  for (let i = 0; i < count; i++) {
    const p = decodeProfile(partials[i % partials.length] as Uint8Array);
    if (merged) mergeInto(merged, p);
    else merged = cloneProfile(p);
    if (i % 1000 === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
  const seconds = (performance.now() - start) / 1000;
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  return {
    seconds,
    merged: merged as DatasetProfile,
    peakGrowthMb: (peakRss - before.rss) / 2 ** 20,
  };
}

/**
 * The same day with rollups (lambdas/adapters/aws/partial-rollup.ts): about one commit in
 * ROLLUP_EVERY_COMMITS folds the settled partials into the day's rollup, so the night merges the
 * rollup and what is newer than PARTIAL_SETTLE_SECONDS or not rolled up yet.
 */
function rollupRows(
  batch: number,
  day: DatasetProfile,
  pool: readonly Uint8Array[],
  partialsPerDay: number,
  mergeAllSeconds: number,
): Rollups {
  const rollup = encodeProfile(day);
  const fold = (partials: number) => {
    const start = performance.now();
    const merged = decodeProfile(rollup);
    for (let i = 0; i < partials; i++)
      mergeInto(merged, decodeProfile(pool[i % pool.length] as Uint8Array));
    encodeProfile(merged); // the rollup (or the night's day profile) is stored again
    return (performance.now() - start) / 1000;
  };
  const unsettled =
    Math.ceil((partialsPerDay * PARTIAL_SETTLE_SECONDS) / 86_400) + ROLLUP_EVERY_COMMITS;
  const night = fold(unsettled);
  const perDay = Math.ceil(partialsPerDay / ROLLUP_EVERY_COMMITS);
  const seconds = fold(ROLLUP_EVERY_COMMITS);
  row(
    `night at 10^6 images, batch ${batch}, with rollups`,
    `${night.toFixed(2)} s`,
    `rollup + ${unsettled} unsettled partials (last ${PARTIAL_SETTLE_SECONDS / 60} min + ${ROLLUP_EVERY_COMMITS} commits)`,
    `${(mergeAllSeconds / night).toFixed(0)}× faster than merging every partial`,
  );
  row(
    `  rollups during that day (one per ${ROLLUP_EVERY_COMMITS} commits)`,
    `${perDay.toLocaleString()} × ${(seconds * 1000).toFixed(1)} ms`,
    `${(perDay * seconds).toFixed(1)} s of profile-function time, ${(rollup.length / 1024).toFixed(1)} KB rollup`,
    '',
  );
  return { perDay, seconds, rollupBytes: rollup.length, unsettled };
}

interface Rollups {
  readonly perDay: number;
  readonly seconds: number;
  readonly rollupBytes: number;
  /** Partials the night still reads beside the rollup. */
  readonly unsettled: number;
}

/**
 * us-east-1 list prices without free tier (AWS pricing pages, 2025): Lambda arm64 per GB-second and
 * per request; SQS standard per request; S3 GET per request; DynamoDB on-demand per write/read
 * request unit; SNS per publish. Arm64 Lambda time = this machine's serial x86 time × ARM_FACTOR.
 */
const PRICE = {
  lambdaGbSecond: 0.0000133334,
  lambdaRequest: 0.2 / 1e6,
  sqsRequest: 0.4 / 1e6,
  s3Get: 0.0004 / 1000,
  dynamoWru: 0.625 / 1e6,
  dynamoRru: 0.125 / 1e6,
};
/** A Graviton2 vCPU runs this decode + JS workload roughly 25% slower than one core here (assumption, see docs/performance.md). */
const ARM_FACTOR = 1.25;
const PROFILE_MEMORY_GB = 1769 / 1024;
/**
 * How each image is counted (docs/performance.md, cost model):
 * - `transaction` (until 2026-12): its ~300 B record in the batch's TransactWriteItems (2 WRU, a
 *   transactional write costs twice) plus its `byName` index entry (1 WRU); per commit the partial
 *   and the day marker in the same transaction (2 WRU per KB each);
 * - `claims`: its ~400 B record (with the claim's partial id and time) in one conditional PutItem
 *   (1 WRU), a BatchGetItem read of its legacy key (0.5 RRU, eventually consistent; dropped one
 *   retention period after the upgrade); per commit the partial as one PutItem (1 WRU per KB) after
 *   the day marker (1 WRU). Without segments: with them, partials and markers go in one transaction.
 */
type Counting = 'transaction' | 'claims';
const PER_IMAGE = {
  transaction: { wru: 2 + 1, rru: 0 },
  claims: { wru: 1, rru: 0.5 },
} as const;
/** Write units of one commit's partial and day marker. */
const perCommitWru = (counting: Counting, partialBytes: number) =>
  counting === 'transaction'
    ? 2 * Math.ceil(partialBytes / 1024) + 2
    : Math.ceil(partialBytes / 1024) + 1;
/**
 * SQS ReceiveMessage returns at most 10 messages and DeleteMessageBatch deletes at most 10, so
 * Lambda's poller makes at least one of each per 10 messages, whatever the batch size.
 */
const SQS_MESSAGES_PER_REQUEST = 10;

function costRows(partialBytes: Map<number, number>, rollups: Map<number, Rollups>) {
  for (const [counting, batch] of [
    ['transaction', 10],
    ['claims', 10],
    ['claims', 100],
  ] as const) {
    const bytes = partialBytes.get(batch) as number;
    const commits = 1e6 / batch;
    const rollup = rollups.get(batch) as Rollups;
    const perImageSeconds = serialProfileSeconds * ARM_FACTOR;
    const lambdaSeconds = 1e6 * perImageSeconds + rollup.perDay * rollup.seconds * ARM_FACTOR;
    const lambda =
      lambdaSeconds * PROFILE_MEMORY_GB * PRICE.lambdaGbSecond + commits * PRICE.lambdaRequest;
    const s3 = 1e6 * PRICE.s3Get;
    // S3 → SQS send per image; the Lambda poller's receives and deletes, 10 messages per request.
    const sqs =
      1e6 * PRICE.sqsRequest +
      2 * commits * Math.ceil(batch / SQS_MESSAGES_PER_REQUEST) * PRICE.sqsRequest;
    const wruPerImage = PER_IMAGE[counting].wru + perCommitWru(counting, bytes) / batch;
    const dynamo =
      1e6 * (wruPerImage * PRICE.dynamoWru + PER_IMAGE[counting].rru * PRICE.dynamoRru);
    // Each rollup reads itself and its partials (strongly consistent, 1 RRU per 4 KB) and writes
    // itself again (1 WRU per KB); the night reads the rollup and the unsettled partials.
    const rollupRru =
      Math.ceil(rollup.rollupBytes / 4096) + Math.ceil((ROLLUP_EVERY_COMMITS * bytes) / 4096);
    const rollupCost =
      rollup.perDay *
      (rollupRru * PRICE.dynamoRru + Math.ceil(rollup.rollupBytes / 1024) * PRICE.dynamoWru);
    const night =
      (Math.ceil(rollup.rollupBytes / 4096) + Math.ceil((rollup.unsettled * bytes) / 4096)) *
      PRICE.dynamoRru;
    const total = lambda + s3 + sqs + dynamo + rollupCost + night;
    row(
      `cost per 10^6 images, batch ${batch}, ${counting === 'claims' ? 'claims' : 'transaction per image (before)'}`,
      `$${total.toFixed(2)}`,
      `Lambda $${lambda.toFixed(2)} (${(perImageSeconds * 1000).toFixed(1)} ms/img arm64) · S3 GET $${s3.toFixed(2)} · SQS $${sqs.toFixed(2)} · DynamoDB $${dynamo.toFixed(2)} (${wruPerImage.toFixed(2)} WRU + ${PER_IMAGE[counting].rru} RRU per image) · rollups $${rollupCost.toFixed(3)} · night reads $${night.toFixed(4)}`,
      `floor S3+SQS $${(s3 + sqs).toFixed(2)}`,
    );
  }
}

async function main() {
  log(`generating ${IMAGES} photograph-like 500×375 JPEGs…`);
  const small: Uint8Array[] = [];
  for (let i = 0; i < IMAGES; i++)
    small.push(await encodeJpeg(syntheticPhoto(500, 375, 900_000 + i, i % 2 ? 'cat' : 'dog'), 90));
  log('generating 40 1920×1080 JPEGs…');
  const large: Uint8Array[] = [];
  for (let i = 0; i < 40; i++)
    large.push(
      await encodeJpeg(syntheticPhoto(1920, 1080, 800_000 + i, i % 2 ? 'cat' : 'dog'), 90),
    );
  log('profiling throughput…');
  await throughput(`${IMAGES} × 500×375`, small);
  await throughput('40 × 1920×1080', large);
  if (PROFILING_ONLY) return printRows();

  log('building partial profiles…');
  const distinct = Math.min(PARTIALS, 2000);
  const partials10 = Array.from({ length: distinct }, (_, i) =>
    encodeProfile(partialOf(10, i + 1)),
  );
  const partials100 = Array.from({ length: 200 }, (_, i) =>
    encodeProfile(partialOf(100, 100_000 + i)),
  );
  const partialSize = partials10[0]?.length ?? 0;
  row('partial profile, 10 images (SQS batch 10)', `${(partialSize / 1024).toFixed(1)} KB`, '', '');
  row(
    'partial profile, 100 images (default batch)',
    `${((partials100[0]?.length ?? 0) / 1024).toFixed(1)} KB`,
    '',
    '',
  );

  log(`merging ${PARTIALS.toLocaleString()} partials…`);
  const m = mergeBench(partials10, PARTIALS);
  row(
    `decode + merge ${PARTIALS.toLocaleString()} partials of 10`,
    `${m.seconds.toFixed(2)} s`,
    `peak RSS growth ${m.peakGrowthMb.toFixed(0)} MB`,
    `${(PARTIALS / m.seconds).toFixed(0)} partials/s`,
  );
  row(
    'merged day profile',
    `${(encodeProfile(m.merged).length / 1024).toFixed(1)} KB`,
    `${m.merged.images.toLocaleString()} images`,
    '',
  );

  log('nightly run at 1,000,000 images a day…');
  const rollups = new Map<number, Rollups>();
  for (const [batch, pool] of [
    [10, partials10],
    [100, partials100],
  ] as const) {
    const count = Math.ceil(1_000_000 / batch);
    const merge = mergeBench(pool, count);
    const reference = decodeProfile(partials100[0] as Uint8Array);
    const monitors = await timeIt(async () =>
      evaluateMonitors(
        DEFAULT_MONITOR_CONFIG,
        merge.merged,
        buildBaselines({
          day: 'd',
          history: [],
          reference,
          trailingDays: 7,
          excludeAlertedDays: true,
        }),
      ),
    );
    row(
      `night at 10^6 images, SQS batch ${batch} (${count.toLocaleString()} partials)`,
      `${(merge.seconds + monitors.seconds).toFixed(2)} s`,
      `merge ${merge.seconds.toFixed(2)} s + monitors ${monitors.seconds.toFixed(3)} s`,
      `${(encodeProfile(merge.merged).length / 1024).toFixed(1)} KB day profile`,
    );
    rollups.set(batch, rollupRows(batch, merge.merged, pool, count, merge.seconds));
  }

  log('sketch accuracy…');
  let worst = 0;
  let size = 0;
  for (let t = 0; t < 5; t++) {
    const random = new SeededRandom(t + 1);
    const values = Float64Array.from({ length: 1_000_000 }, () =>
      Math.fround(-Math.log(1 - random.next())),
    );
    const sketch = new KllSketch(DEFAULT_KLL_K, t + 1);
    for (const v of values) sketch.update(v);
    worst = Math.max(worst, maxRankError(sketch, values.sort()));
    size = Math.max(size, 4 * sketch.numRetained);
  }
  row(
    `KLL k=${DEFAULT_KLL_K}, 10^6 values, 5 trials`,
    `max rank error ${(worst * 100).toFixed(2)}%`,
    `${size} B of items`,
    '',
  );

  costRows(
    new Map([
      [10, partialSize],
      [100, partials100[0]?.length ?? 0],
    ]),
    rollups,
  );
  log('folder throughput…');
  await folderThroughputRows(FOLDER_IMAGES, FOLDER_ROUNDS, row, log);
  printRows();
}

function printRows() {
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => (r[i] ?? '').length), 6));
  console.log(
    ['what', 'result', 'baseline / detail', 'ratio']
      .map((h, i) => h.padEnd(widths[i] as number))
      .join('  '),
  );
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i] as number)).join('  '));
}

if (FOLDER_ONLY) {
  await folderThroughputRows(FOLDER_IMAGES, FOLDER_ROUNDS, row, log);
  printRows();
} else await main();
