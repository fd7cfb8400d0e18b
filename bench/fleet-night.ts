/**
 * `npm run bench:fleet`: the night of a big fleet, through the real runNight use case on the
 * file-based stores: 100 cameras, 10^5 images on the day, 7 trailing days and a reference per
 * camera. Prints the night's time and peak memory beside the same night without segments (the
 * baseline, measured in the same run), and the store calls it made.
 *
 *   npx tsx bench/fleet-night.ts [--cameras 100] [--images 100000]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { numberOption } from '../eval/options.ts';
import { FileNightStore } from '../lambdas/adapters/local/file-night-store.ts';
import { FileNotifier } from '../lambdas/adapters/local/file-notifier.ts';
import { FileProfileStore } from '../lambdas/adapters/local/file-profile-store.ts';
import { DEFAULT_MONITOR_CONFIG } from '../lambdas/core/drift/monitor-config.ts';
import {
  CATEGORICAL_FEATURES,
  type ImageFeatures,
  NUMERIC_FEATURE_NAMES,
} from '../lambdas/core/features/catalogue.ts';
import {
  addImage,
  type DatasetProfile,
  emptyProfile,
  mergeAll,
} from '../lambdas/core/profile/dataset-profile.ts';
import { segmentScope } from '../lambdas/core/profile/segments.ts';
import { SeededRandom } from '../lambdas/core/sketches/random.ts';
import type { ProfileStore } from '../lambdas/ports/profile-store.ts';
import { runNight } from '../lambdas/use-cases/run-night.ts';

const args = process.argv.slice(2);
const CAMERAS = numberOption(args, 'cameras', 100);
const IMAGES = numberOption(args, 'images', 100_000);
const TRAILING = 7;
/** Partials the night reads per camera: the rollup plus the tail committed after it. */
const PARTIALS_PER_CAMERA = 10;
const log = (message: string) => process.stderr.write(`${message}\n`);
const camera = (c: number) => `cam${String(c + 1).padStart(3, '0')}`;

/** Each camera sees one scene: its features sit around the scene's values, frame noise ±5%. */
function frame(
  scene: SeededRandom,
  offsets: readonly number[],
  random: SeededRandom,
): ImageFeatures {
  const numeric: Record<string, number> = {};
  NUMERIC_FEATURE_NAMES.forEach((name, i) => {
    numeric[name] = (offsets[i] as number) * (1 + 0.05 * (random.next() - 0.5));
  });
  const categorical: Record<string, string> = {};
  for (const name of CATEGORICAL_FEATURES) categorical[name] = `v${Math.floor(scene.next() * 2)}`;
  return { numeric, categorical } as ImageFeatures;
}

function cameraDay(dataset: string, c: number, day: string, images: number, seed: number) {
  const offsets = NUMERIC_FEATURE_NAMES.map((_, i) => 1 + ((c * 7919 + i * 104729) % 1000));
  const scene = new SeededRandom(c + 1);
  const random = new SeededRandom(seed);
  const parts: DatasetProfile[] = [];
  const per = Math.ceil(images / PARTIALS_PER_CAMERA);
  for (let p = 0; p < PARTIALS_PER_CAMERA; p++) {
    const profile = emptyProfile({ dataset, window: { start: day, end: day } });
    for (let i = 0; i < Math.min(per, images - p * per); i++)
      addImage(
        profile,
        `images/fleet/${camera(c)}/${day}/${p}_${i}.jpg`,
        frame(scene, offsets, random),
      );
    parts.push(profile);
  }
  return parts;
}

/** Counts store calls, so the AWS round trips of the same night can be estimated. */
function counted(store: FileProfileStore) {
  const calls = new Map<string, number>();
  const proxy = new Proxy(store, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver);
      if (typeof value !== 'function') return value;
      return (...a: unknown[]) => {
        calls.set(String(name), (calls.get(String(name)) ?? 0) + 1);
        return value.apply(target, a);
      };
    },
  });
  return { store: proxy as ProfileStore, calls };
}

async function seed(root: string, segmented: boolean): Promise<void> {
  const profiles = new FileProfileStore(root);
  const perCamera = Math.round(IMAGES / CAMERAS);
  const days = [
    ...Array.from({ length: TRAILING }, (_, d) => `2026-11-${String(20 + d).padStart(2, '0')}`),
    '2026-11-27',
  ];
  for (const [d, day] of days.entries()) {
    const wholeParts: DatasetProfile[] = [];
    for (let c = 0; c < CAMERAS; c++) {
      const scope = segmented ? segmentScope('fleet', camera(c)) : 'fleet';
      const parts = cameraDay(scope, c, day, perCamera, d * 1000 + c);
      wholeParts.push(...parts.map((p) => ({ ...p, dataset: 'fleet' })));
      if (!segmented) continue;
      if (d < TRAILING)
        await profiles.saveDayProfile(scope, day, mergeAll(parts) as DatasetProfile);
      else for (const [i, p] of parts.entries()) await profiles.savePartial(scope, day, `p${i}`, p);
      if (d === 0) await profiles.saveReference(scope, mergeAll(parts) as DatasetProfile);
    }
    const whole = mergeAll(wholeParts) as DatasetProfile;
    if (d < TRAILING) await profiles.saveDayProfile('fleet', day, whole);
    else await profiles.savePartial('fleet', day, 'p0', whole);
    if (d === 0) await profiles.saveReference('fleet', whole);
    log(`  ${segmented ? 'segmented' : 'whole'} ${day}: ${whole.images.toLocaleString()} images`);
  }
}

async function night(segmented: boolean) {
  const root = await mkdtemp(path.join(tmpdir(), 'driftwatch-fleet-night-'));
  try {
    await seed(root, segmented);
    const { store, calls } = counted(new FileProfileStore(root));
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    const start = performance.now();
    const outcome = await runNight('fleet', '2026-11-27', {
      profiles: store,
      nights: new FileNightStore(root),
      notifier: new FileNotifier(root),
      config: DEFAULT_MONITOR_CONFIG,
      now: () => new Date('2026-11-28T02:00:00Z'),
    });
    const seconds = (performance.now() - start) / 1000;
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    return { seconds, growthMb: (peak - before) / 2 ** 20, calls, outcome };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

log(`fleet night: ${CAMERAS} cameras, ${IMAGES.toLocaleString()} images a day…`);
const whole = await night(false);
const fleet = await night(true);
const results = fleet.outcome.record.results;
console.log('what | time | peak RSS growth | store calls');
console.log('---|---:|---:|---');
const callText = (calls: Map<string, number>) => [...calls].map(([k, v]) => `${k} ${v}`).join(', ');
console.log(
  `night without segments (baseline) | ${whole.seconds.toFixed(2)} s | ${whole.growthMb.toFixed(0)} MB | ${callText(whole.calls)}`,
);
console.log(
  `night with ${CAMERAS} segments | ${fleet.seconds.toFixed(2)} s (${(fleet.seconds / whole.seconds).toFixed(1)}× the baseline) | ${fleet.growthMb.toFixed(0)} MB | ${callText(fleet.calls)}`,
);
console.log(
  `\n${results.length.toLocaleString()} results kept in the night record (every whole-dataset result, fired segment results), ${results.filter((r) => r.fired).length} fired; run-monitors has 1,024 MB and a 15-minute timeout.`,
);
