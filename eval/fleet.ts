/**
 * Fleet evaluation (issue 13): fleets of fixed cameras — near-duplicate frames of one scene per
 * camera, a time-of-day light curve, sensor noise, and whole days that move with the weather —
 * judged night by night through the real runNight use case on the file stores, exactly as
 * `driftwatch run` does with one sub-folder per camera.
 *
 *  - false alarms: clean days 1…10 of each fleet and seed, every day judged against the fleet's
 *    reference (its frames from 4 earlier days) and its trailing days;
 *  - detection on the first faulty day (day 4, after 3 clean days) of blur, darkening, pixelation
 *    with dead pixels, sensor noise and a camera going offline, on every camera and on cam002 alone.
 *    A one-camera fault counts as caught only when an alert names cam002; alerts naming a healthy
 *    camera are counted as false.
 *
 *   npx tsx eval/fleet.ts [--seeds 1,2,3] [--fleets 12,100] [--config monitors.json]
 *                         [--scenes synthetic|photos] [--size 640x480] [--reference-frames 5]
 *                         [--dusk 0.5] [--no-segments] [--flat-reference]
 *
 * `--scenes photos` cuts each camera's scene out of natural photographs (eval/natural-photos.ts,
 * fetched from Debian packages on first use) instead of drawing synthetic scenes.
 *
 * Frame features are cached in eval/.cache (eval/fleet-lib.ts), so trying another config is quick.
 */
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FileNightStore } from '../lambdas/adapters/local/file-night-store.ts';
import { FileProfileStore } from '../lambdas/adapters/local/file-profile-store.ts';
import {
  DEFAULT_MONITOR_CONFIG,
  type MonitorConfig,
  parseMonitorConfig,
} from '../lambdas/core/drift/monitor-config.ts';
import type { MonitorResult } from '../lambdas/core/drift/monitor-result.ts';
import {
  addImage,
  type DatasetProfile,
  emptyProfile,
} from '../lambdas/core/profile/dataset-profile.ts';
import { segmentScope } from '../lambdas/core/profile/segments.ts';
import type { FleetFaultPlan, FleetSpec } from '../lambdas/scenario/fleet.ts';
import { DUSK as DEFAULT_DUSK, REFERENCE_DAYS } from '../lambdas/scenario/fleet.ts';
import { runNight } from '../lambdas/use-cases/run-night.ts';
import {
  CLEAN_DAYS,
  EVAL_FLEETS,
  evaluationFaults,
  FAULT_DAY,
  type FleetImageFeatures,
  fleetDayFeatures,
  precomputeFleet,
  SINGLE_FAULTY_CAMERA,
} from './fleet-lib.ts';
import { naturalPhotos, scenesOption } from './natural-photos.ts';
import { numberOption, optionalOption, sizeOption, stringOption } from './options.ts';

const args = process.argv.slice(2);
const SEEDS = stringOption(args, 'seeds', '1,2,3').split(',').map(Number);
const FLEETS = stringOption(args, 'fleets', '12,100').split(',').map(Number);
const SEGMENTED = !args.includes('--no-segments');
/** The reference as one flat folder: cameras carry segments from day 1 only. */
const FLAT_REFERENCE = args.includes('--flat-reference');
/** Reference frames per camera and reference day (the issue's held-out fleet: 5, i.e. 240 images). */
const REFERENCE_FRAMES = numberOption(args, 'reference-frames', Number.POSITIVE_INFINITY);
/** Daylight at the first and last frame of a day (lambdas/scenario/fleet.ts: 0.85 when absent). */
const DUSK = optionalOption(args, 'dusk') === undefined ? undefined : numberOption(args, 'dusk', 0);
/** Frame size for every fleet; each fleet's own (160×120) when not given. */
const SIZE = optionalOption(args, 'size') === undefined ? undefined : sizeOption(args, '');
const PHOTOS = scenesOption(args) === 'photos' ? await naturalPhotos() : undefined;
const DATASET = 'fleet';
const dayLabel = (day: number) => `day_${String(day).padStart(2, '0')}`;

/** Stores one day's frames as the local pipeline does: a partial for the fleet and one per camera. */
async function storeDay(
  profiles: FileProfileStore,
  day: string,
  frames: readonly FleetImageFeatures[],
  asReference: boolean,
): Promise<void> {
  const whole = emptyProfile({ dataset: DATASET, window: { start: day, end: day } });
  const cameras = new Map<string, DatasetProfile>();
  for (const f of frames) {
    addImage(whole, f.key, f.features);
    if (!SEGMENTED) continue;
    const scope = segmentScope(DATASET, f.camera);
    let camera = cameras.get(f.camera);
    if (!camera) {
      camera = emptyProfile({ dataset: scope, window: { start: day, end: day } });
      cameras.set(f.camera, camera);
    }
    addImage(camera, f.key, f.features);
  }
  if (asReference) {
    await profiles.saveReference(DATASET, whole);
    if (FLAT_REFERENCE) return;
    for (const [camera, p] of cameras)
      await profiles.saveReference(segmentScope(DATASET, camera), p);
    return;
  }
  await profiles.savePartial(DATASET, day, 'local', whole);
  for (const [camera, p] of cameras)
    await profiles.savePartial(segmentScope(DATASET, camera), day, 'local', p);
}

/**
 * A fleet's stores in a fresh folder, with its reference profiled: REFERENCE_FRAMES frames per camera
 * from each reference day, spread evenly over the day.
 */
async function fleetRoot(spec: FleetSpec): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'driftwatch-fleet-eval-'));
  const step = Math.max(1, Math.floor(spec.framesPerDay / REFERENCE_FRAMES));
  const kept = (f: FleetImageFeatures) => f.frame % step === Math.floor(step / 2);
  const reference: FleetImageFeatures[] = [];
  for (const day of REFERENCE_DAYS)
    reference.push(...(await fleetDayFeatures(spec, day)).filter(kept));
  await storeDay(new FileProfileStore(root), 'reference', reference, true);
  return root;
}

/** Runs the nights of `days` in order in `root`; returns the fired results of each. */
async function runDays(
  root: string,
  spec: FleetSpec,
  config: MonitorConfig,
  days: readonly { day: number; fault?: FleetFaultPlan }[],
): Promise<Map<number, MonitorResult[]>> {
  const profiles = new FileProfileStore(root);
  const nights = new FileNightStore(root);
  const out = new Map<number, MonitorResult[]>();
  for (const { day, fault } of days) {
    await storeDay(profiles, dayLabel(day), await fleetDayFeatures(spec, day, fault), false);
    const night = await runNight(DATASET, dayLabel(day), {
      profiles,
      nights,
      notifier: { publish: async () => {} },
      config,
      now: () => new Date('2026-12-01T00:00:00Z'),
    });
    out.set(
      day,
      night.record.results.filter((r) => r.fired),
    );
  }
  return out;
}

/** Clean days 1…3 once, then day 4 under each fault plan in a copy of the stores. */
async function faultyDays(
  spec: FleetSpec,
  config: MonitorConfig,
  plans: readonly FleetFaultPlan[],
): Promise<MonitorResult[][]> {
  const root = await fleetRoot(spec);
  try {
    await runDays(
      root,
      spec,
      config,
      [1, 2, 3].map((day) => ({ day })),
    );
    const out: MonitorResult[][] = [];
    for (const fault of plans) {
      const copy = `${root}-${out.length}`;
      await cp(root, copy, { recursive: true });
      try {
        const run = await runDays(copy, spec, config, [{ day: FAULT_DAY, fault }]);
        out.push(run.get(FAULT_DAY) ?? []);
      } finally {
        await rm(copy, { recursive: true, force: true });
      }
    }
    return out;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

const describeFired = (fired: readonly MonitorResult[]) => [
  ...new Set(
    fired.map(
      (r) =>
        `${r.segment ? `${r.segment}:` : ''}${r.feature ?? r.monitor}${process.env.FLEET_DEBUG ? ` [${r.statistic} ${r.baseline} ${r.score.toFixed(2)}/${r.threshold.toFixed(2)}]` : ''}`,
    ),
  ),
];

async function main(): Promise<void> {
  const configFile = stringOption(args, 'config', '');
  const config = configFile
    ? parseMonitorConfig(JSON.parse(await readFile(configFile, 'utf8')))
    : DEFAULT_MONITOR_CONFIG;
  const started = performance.now();
  const fleets = EVAL_FLEETS.filter((f) => FLEETS.includes(f.cameras)).map((f) => ({
    ...f,
    ...SIZE,
    dusk: DUSK,
  }));
  for (const fleet of fleets)
    for (const seed of SEEDS) await precomputeFleet({ ...fleet, seed, photos: PHOTOS });

  console.log(
    `Fleets of fixed cameras, ${fleets[0]?.width}×${fleets[0]?.height} JPEG q90; scenes: ${PHOTOS ? `${PHOTOS.length} natural photographs (eval/natural-photos.ts)` : 'synthetic'}; reference = each fleet's frames of 4 earlier days; weather ±15% per day; daylight ${DUSK ?? DEFAULT_DUSK} at dawn and dusk, 1 at midday; seeds ${SEEDS.join(', ')}; ${SEGMENTED ? 'camera = segment' : 'no segment metadata'}.\n`,
  );
  console.log('### False alarms on clean fleet days\n');
  console.log('| fleet | clean days | days with any alert | what fired |');
  console.log('|---|---:|---:|---|');
  let cleanDays = 0;
  let cleanAlerts = 0;
  for (const fleet of fleets) {
    let alerts = 0;
    const fired = new Map<string, number>();
    for (const seed of SEEDS) {
      const root = await fleetRoot({ ...fleet, seed, photos: PHOTOS });
      const run = await runDays(
        root,
        { ...fleet, seed, photos: PHOTOS },
        config,
        CLEAN_DAYS.map((day) => ({ day })),
      ).finally(() => rm(root, { recursive: true, force: true }));
      for (const [day, results] of run) {
        if (results.length) alerts++;
        if (process.env.FLEET_DEBUG && results.length)
          process.stderr.write(`  seed ${seed} day ${day}: ${describeFired(results).join('; ')}\n`);
        for (const f of describeFired(results)) fired.set(f, (fired.get(f) ?? 0) + 1);
      }
      process.stderr.write(`clean ${fleet.cameras} cameras seed ${seed} done\n`);
    }
    cleanDays += CLEAN_DAYS.length * SEEDS.length;
    cleanAlerts += alerts;
    const what = [...fired]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 6)
      .map(([f, n]) => `${f} (${n})`);
    console.log(
      `| ${fleet.cameras} cameras × ${fleet.framesPerDay} frames | ${CLEAN_DAYS.length * SEEDS.length} | ${alerts} | ${what.join(', ') || '–'} |`,
    );
  }
  console.log(`| **all** | **${cleanDays}** | **${cleanAlerts}** | |`);

  console.log(`\n### Detection on the first faulty day (day ${FAULT_DAY}, after 3 clean days)\n`);
  console.log(
    '| fleet | fault | on | caught (seeds) | alerts naming a healthy camera | strongest alerts |',
  );
  console.log('|---|---|---|---:|---:|---|');
  let cases = 0;
  let caught = 0;
  for (const fleet of fleets) {
    const plans = evaluationFaults({ ...fleet, seed: 0, photos: PHOTOS });
    const bySeed = new Map<number, MonitorResult[][]>();
    for (const seed of SEEDS) {
      bySeed.set(seed, await faultyDays({ ...fleet, seed, photos: PHOTOS }, config, plans));
      process.stderr.write(`faults ${fleet.cameras} cameras seed ${seed} done\n`);
    }
    plans.forEach((plan, p) => {
      const single = plan.cameras.length === 1;
      let hits = 0;
      let healthyNamed = 0;
      const strongest = new Map<string, number>();
      for (const seed of SEEDS) {
        const fired = bySeed.get(seed)?.[p] ?? [];
        const naming = fired.filter((r) => r.segment === SINGLE_FAULTY_CAMERA);
        const healthy = single
          ? fired.filter((r) => r.segment && r.segment !== SINGLE_FAULTY_CAMERA)
          : [];
        healthyNamed += new Set(healthy.map((r) => r.segment)).size;
        if (single ? naming.length > 0 : fired.length > 0) hits++;
        for (const f of describeFired(single ? naming : fired).slice(0, 8))
          strongest.set(f, (strongest.get(f) ?? 0) + 1);
      }
      cases++;
      if (hits === SEEDS.length) caught++;
      const top = [...strongest]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 4)
        .map(([f]) => f);
      console.log(
        `| ${fleet.cameras} | ${plan.kind} | ${single ? SINGLE_FAULTY_CAMERA : 'every camera'} | ${hits === SEEDS.length ? '✓' : hits === 0 ? '✗' : '~'} ${hits}/${SEEDS.length} | ${healthyNamed} | ${top.join(', ') || '–'} |`,
      );
    });
  }
  console.log(`| **all** | | | **${caught}/${cases}** | | |`);
  console.log(`\n(${((performance.now() - started) / 1000).toFixed(0)} s)`);
}

await main();
