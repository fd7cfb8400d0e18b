/**
 * Detection evaluation for the shipped monitor defaults (drift issue):
 *  - false alarms: ≥ 50 clean day-evaluations for each daily size (25, 100, 1000) and each of 3 seeds,
 *    every day judged against the reference and its trailing days;
 *  - detection on the first corrupted day, for 15 corruptions at severity 3 (100 images, all
 *    corrupted), plus severity 1, 25-image days and days with 50% corrupted images;
 *  - the WhyLabs default (Hellinger > 0.7 on 30 equal-width bins) on the same days.
 *
 *   npx tsx eval/detection.ts [--seeds 3] [--size 320x240] [--clean-days 50] [--scenes synthetic|photos]
 *
 * `--scenes photos` cuts every image, clean and corrupted, out of natural photographs (a random
 * view of one of 20, eval/natural-photos.ts) instead of drawing synthetic scenes.
 *
 * Per-image features are computed once per seed (through real JPEG encoding and sharp decoding) and
 * cached in eval/.cache, so re-running with another config is instant. Seeds run in parallel workers.
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DEFAULT_MONITOR_CONFIG,
  type MonitorConfig,
  parseMonitorConfig,
} from '../lambdas/core/drift/monitor-config.ts';
import type { ImageFeatures } from '../lambdas/core/features/catalogue.ts';
import { SeededRandom } from '../lambdas/core/sketches/random.ts';
import { CORRUPTIONS } from '../lambdas/scenario/corruptions.ts';
import {
  cleanFeatures,
  corruptedFeatures,
  type DayVerdict,
  dayProfile,
  type ImageSize,
  judgeDay,
  sample,
  VARIANTS,
  type Variant,
} from './detection-lib.ts';
import { naturalPhotos, scenesOption } from './natural-photos.ts';
import { sizeOption, stringOption } from './options.ts';

const args = process.argv.slice(2);
const SEEDS = Number(stringOption(args, 'seeds', '3'));
const { width: W, height: H } = sizeOption(args, '320x240');
const SCENES = scenesOption(args);
const SIZE: ImageSize = {
  width: W,
  height: H,
  photos: SCENES === 'photos' ? await naturalPhotos() : undefined,
};
const CLEAN_DAYS = Number(stringOption(args, 'clean-days', '50'));
const DAILY_SIZES = [25, 100, 1000];
const REFERENCE_SIZE = 500;
const POOL_SIZE = 3000;
const CORRUPTED_PER_DAY = 100;
const CACHE = fileURLToPath(new URL('./.cache/', import.meta.url));
const cacheFile = (seed: number) =>
  path.join(
    CACHE,
    `detection-v2${SCENES === 'photos' ? '-photos' : ''}-${W}x${H}-seed${seed}.json`,
  );

interface SeedFeatures {
  reference: ImageFeatures[];
  pool: ImageFeatures[];
  corrupted: Record<string, Record<Variant, ImageFeatures[]>>;
}

async function computeSeed(seed: number): Promise<void> {
  const base = seed * 10_000_000;
  const total = REFERENCE_SIZE + POOL_SIZE + Object.keys(CORRUPTIONS).length * CORRUPTED_PER_DAY;
  let done = 0;
  const tick = () => {
    done++;
    if (done % 250 === 0) process.stderr.write(`seed ${seed}: ${done}/${total} images\n`);
  };
  const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => base + from + i);
  const reference = await cleanFeatures(SIZE, range(0, REFERENCE_SIZE), tick);
  const pool = await cleanFeatures(SIZE, range(100_000, POOL_SIZE), tick);
  const corrupted: SeedFeatures['corrupted'] = {};
  for (const [k, name] of Object.keys(CORRUPTIONS).entries()) {
    corrupted[name] = await corruptedFeatures(
      SIZE,
      name,
      range(1_000_000 + k * 1000, CORRUPTED_PER_DAY),
      tick,
    );
  }
  await mkdir(CACHE, { recursive: true });
  await writeFile(
    cacheFile(seed),
    JSON.stringify({ reference, pool, corrupted } satisfies SeedFeatures),
  );
}

async function loadSeed(seed: number): Promise<SeedFeatures | undefined> {
  try {
    return JSON.parse(await readFile(cacheFile(seed), 'utf8')) as SeedFeatures;
  } catch {
    return undefined;
  }
}

/** Computes missing seeds in child processes, two at a time (one per core). */
async function ensureSeeds(seeds: number[]): Promise<void> {
  const missing: number[] = [];
  for (const s of seeds) if (!(await loadSeed(s))) missing.push(s);
  const self = fileURLToPath(import.meta.url);
  const runOne = (seed: number) =>
    new Promise<void>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          self,
          '--compute-seed',
          String(seed),
          '--size',
          `${W}x${H}`,
          '--scenes',
          SCENES,
        ],
        {
          stdio: ['ignore', 'inherit', 'inherit'],
        },
      );
      child.on('exit', (code) =>
        code === 0 ? resolve() : reject(new Error(`seed ${seed} worker exited with ${code}`)),
      );
    });
  const queue = [...missing];
  await Promise.all(
    [0, 1].map(async () => {
      for (let s = queue.shift(); s !== undefined; s = queue.shift()) await runOne(s);
    }),
  );
}

function cleanRun(config: MonitorConfig, data: SeedFeatures, size: number, seed: number) {
  const random = new SeededRandom(seed * 31 + size);
  const reference = dayProfile(data.reference, 'reference');
  const history: { profile: ReturnType<typeof dayProfile>; alerted: boolean }[] = [];
  let alerts = 0;
  let whylabs = 0;
  const features = new Map<string, number>();
  for (let d = 0; d < CLEAN_DAYS; d++) {
    const profile = dayProfile(sample(data.pool, size, random), `day_${d}`);
    const verdict = judgeDay(
      config,
      profile,
      reference,
      history.slice(-config.baselines.trailingDays),
    );
    if (verdict.alerted) alerts++;
    if (verdict.whylabs) whylabs++;
    for (const f of verdict.driftFeatures) features.set(f, (features.get(f) ?? 0) + 1);
    history.push({ profile, alerted: verdict.alerted });
  }
  return { alerts, whylabs, features };
}

function firstBadDay(
  config: MonitorConfig,
  data: SeedFeatures,
  corrupted: ImageFeatures[],
  seed: number,
): DayVerdict {
  const random = new SeededRandom(seed * 7 + corrupted.length);
  const reference = dayProfile(data.reference, 'reference');
  const trailing = [1, 2, 3].map((d) => ({
    profile: dayProfile(sample(data.pool, corrupted.length, random), `day_${d}`),
    alerted: false,
  }));
  return judgeDay(config, dayProfile(corrupted, 'bad'), reference, trailing);
}

async function main(): Promise<void> {
  const computeSeedArg = args.indexOf('--compute-seed');
  if (computeSeedArg >= 0) {
    await computeSeed(Number(args[computeSeedArg + 1]));
    return;
  }
  const configFile = stringOption(args, 'config', '');
  const config = configFile
    ? parseMonitorConfig(JSON.parse(await readFile(configFile, 'utf8')))
    : DEFAULT_MONITOR_CONFIG;
  const seeds = Array.from({ length: SEEDS }, (_, i) => i + 1);
  const started = performance.now();
  await ensureSeeds(seeds);
  const data = await Promise.all(seeds.map(async (s) => (await loadSeed(s)) as SeedFeatures));

  console.log(
    `Images ${W}×${H}, JPEG q90, ${SIZE.photos ? `cut from ${SIZE.photos.length} natural photographs` : 'synthetic scenes'}; reference ${REFERENCE_SIZE} images; clean days drawn from a pool of ${POOL_SIZE} per seed; seeds ${seeds.join(', ')}.\n`,
  );
  console.log('### False alarms on clean days\n');
  console.log(
    '| images/day | day-evaluations | days with any alert (Driftwatch) | days with any alert (WhyLabs default) | features that fired |',
  );
  console.log('|---:|---:|---:|---:|---|');
  for (const size of DAILY_SIZES) {
    let alerts = 0;
    let whylabs = 0;
    const features = new Map<string, number>();
    data.forEach((d, i) => {
      const r = cleanRun(config, d, size, seeds[i] as number);
      alerts += r.alerts;
      whylabs += r.whylabs;
      for (const [f, n] of r.features) features.set(f, (features.get(f) ?? 0) + n);
    });
    const fired = [...features].map(([f, n]) => `${f} (${n})`).join(', ') || '–';
    console.log(`| ${size} | ${CLEAN_DAYS * seeds.length} | ${alerts} | ${whylabs} | ${fired} |`);
  }

  console.log('\n### Detection on the first corrupted day (detected in n of the seeds)\n');
  console.log(
    '| corruption | parameters (sev 3 / sev 1) | sev 3, 100/day | WhyLabs default | sev 1, 100/day | sev 3, 25/day | sev 3, 50% of 100 | strongest features (sev 3, 100/day) |',
  );
  console.log('|---|---|---:|---:|---:|---:|---:|---|');
  const totals = { severity3: 0, whylabs: 0, severity1: 0, 'severity3-25': 0, 'severity3-half': 0 };
  for (const [name, spec] of Object.entries(CORRUPTIONS)) {
    const hits: Record<Variant | 'whylabs', number> = {
      severity3: 0,
      severity1: 0,
      'severity3-25': 0,
      'severity3-half': 0,
      whylabs: 0,
    };
    const features = new Map<string, number>();
    data.forEach((d, i) => {
      for (const variant of VARIANTS) {
        const verdict = firstBadDay(
          config,
          d,
          d.corrupted[name]?.[variant] ?? [],
          seeds[i] as number,
        );
        if (verdict.alerted) hits[variant]++;
        if (variant === 'severity3') {
          if (verdict.whylabs) hits.whylabs++;
          for (const f of verdict.driftFeatures) features.set(f, (features.get(f) ?? 0) + 1);
        }
      }
    });
    for (const k of Object.keys(totals) as (keyof typeof totals)[])
      totals[k] += hits[k] === seeds.length ? 1 : 0;
    const cell = (n: number) =>
      n === seeds.length ? `✓ ${n}/${n}` : `${n === 0 ? '✗' : '~'} ${n}/${seeds.length}`;
    const top = [...features]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 4)
      .map(([f]) => f)
      .join(', ');
    console.log(
      `| ${name} | ${spec.note} | ${cell(hits.severity3)} | ${cell(hits.whylabs)} | ${cell(hits.severity1)} | ${cell(hits['severity3-25'])} | ${cell(hits['severity3-half'])} | ${top || '–'} |`,
    );
  }
  const n = Object.keys(CORRUPTIONS).length;
  console.log(
    `| **all seeds detected** | | **${totals.severity3}/${n}** | **${totals.whylabs}/${n}** | **${totals.severity1}/${n}** | **${totals['severity3-25']}/${n}** | **${totals['severity3-half']}/${n}** | |`,
  );
  console.log(`\n(${((performance.now() - started) / 1000).toFixed(0)} s)`);
}

await main();
