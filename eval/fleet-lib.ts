/**
 * Per-image features of the simulated camera fleet (lambdas/scenario/fleet.ts) for the fleet-monitoring
 * evaluation (issue 13), through a real JPEG round trip and sharp decoding as in eval/detection-lib.ts.
 *
 * Features are cached in eval/.cache, one file per (fleet, day, condition) holding every camera's
 * frames, where the condition is clean or one pixel fault applied to the camera. A frame does not
 * depend on which other cameras are faulty, so a day with a fault on some cameras is assembled from
 * the clean file and the fault's file, and an offline camera is simply left out.
 *
 * Precomputing a fleet's evaluation set in two worker processes (one per core):
 *
 *   npx tsx eval/fleet-lib.ts [--cameras 12] [--frames-per-day 20] [--size 160x120] [--seeds 1,2,3]
 *                             [--scenes synthetic|photos]
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ImageFeatures } from '../lambdas/core/features/catalogue.ts';
import {
  cameraIds,
  type FleetFaultPlan,
  type FleetSpec,
  type FrameFault,
  REFERENCE_DAYS,
  renderFrame,
} from '../lambdas/scenario/fleet.ts';
import { featuresOf } from './detection-lib.ts';
import { naturalPhotos, scenesOption } from './natural-photos.ts';
import { sizeOption, stringOption } from './options.ts';

export interface FleetImageFeatures {
  readonly camera: string;
  /** The frame's place in the camera's day, 0 … framesPerDay − 1. */
  readonly frame: number;
  /** The object key a camera upload would have: day_<d>/<camera>/frame_<n>.jpg. */
  readonly key: string;
  readonly features: ImageFeatures;
}

/** What a camera's frames went through on a day. */
export type FrameCondition = 'clean' | FrameFault;

/** One unit of cached work: every camera of the fleet on one day under one condition. */
export interface FleetUnit {
  readonly day: number;
  readonly condition: FrameCondition;
}

/** The two fleets the evaluation plans for (160×120 images, seeds 1, 2, 3). */
export const EVAL_FLEETS: readonly Omit<FleetSpec, 'seed'>[] = [
  { cameras: 12, framesPerDay: 20, width: 160, height: 120 },
  { cameras: 100, framesPerDay: 5, width: 160, height: 120 },
];
export const CLEAN_DAYS: readonly number[] = Array.from({ length: 10 }, (_, i) => i + 1);
export const FAULT_DAY = 4;
/** The camera that is faulty alone in the single-camera variants. */
export const SINGLE_FAULTY_CAMERA = 'cam002';
const PIXEL_FAULTS: readonly FrameFault[] = ['blur', 'darkening', 'pixelation', 'noise'];

// Bump when lambdas/scenario/fleet.ts changes its pixels or a feature is added or changed: the
// cache does not notice on its own.
const CACHE_VERSION = 'fleet-v2';
const CACHE = fileURLToPath(new URL('./.cache/', import.meta.url));

const fleetDir = (spec: FleetSpec) =>
  path.join(
    CACHE,
    `${CACHE_VERSION}${spec.photos?.length ? '-photos' : ''}-c${spec.cameras}-f${spec.framesPerDay}-${spec.width}x${spec.height}${spec.dusk === undefined ? '' : `-dusk${spec.dusk}`}-seed${spec.seed}`,
  );
const dayName = (day: number) => (day < 0 ? `reference${day}` : `day_${day}`);
const unitFile = (spec: FleetSpec, unit: FleetUnit) =>
  path.join(fleetDir(spec), `${dayName(unit.day)}.${unit.condition}.json`);

export const frameKey = (day: number, camera: string, frame: number): string =>
  day < 0
    ? `reference/${camera}/frame_${day}_${frame}.jpg`
    : `day_${day}/${camera}/frame_${frame}.jpg`;

/** Camera → features of its frames, in frame order. */
type UnitFeatures = Record<string, ImageFeatures[]>;

async function loadUnit(spec: FleetSpec, unit: FleetUnit): Promise<UnitFeatures> {
  try {
    return JSON.parse(await readFile(unitFile(spec, unit), 'utf8')) as UnitFeatures;
  } catch {
    return {};
  }
}

/** Writes through a temporary file so an interrupted run never leaves a truncated cache. */
async function saveUnit(spec: FleetSpec, unit: FleetUnit, features: UnitFeatures): Promise<void> {
  const file = unitFile(spec, unit);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(`${file}.${process.pid}.tmp`, JSON.stringify(features));
  await rename(`${file}.${process.pid}.tmp`, file);
}

/** The unit's features for the given cameras, computing (and caching) the cameras it lacks. */
async function unitFeatures(
  spec: FleetSpec,
  unit: FleetUnit,
  cameras: readonly string[],
  onImage?: () => void,
): Promise<UnitFeatures> {
  const cached = await loadUnit(spec, unit);
  const missing = cameras.filter((camera) => cached[camera]?.length !== spec.framesPerDay);
  if (missing.length === 0) return cached;
  const fault = unit.condition === 'clean' ? undefined : unit.condition;
  for (const camera of missing) {
    const frames: ImageFeatures[] = [];
    for (let frame = 0; frame < spec.framesPerDay; frame++) {
      frames.push(await featuresOf(await renderFrame(spec, camera, unit.day, frame, fault)));
      onImage?.();
    }
    cached[camera] = frames;
  }
  await saveUnit(spec, unit, cached);
  return cached;
}

/**
 * Features of the frames of one day, in the order fleetDay yields them (every camera's frame 0, then
 * frame 1, …); the fault hits the listed cameras and offline cameras send nothing. Cached on disk.
 */
export async function fleetDayFeatures(
  spec: FleetSpec,
  day: number,
  fault?: FleetFaultPlan,
  onImage?: () => void,
): Promise<FleetImageFeatures[]> {
  const faulty = new Set(fault?.cameras ?? []);
  const conditionOf = (camera: string): FrameCondition | 'offline' =>
    fault && faulty.has(camera) ? fault.kind : 'clean';
  const sending = cameraIds(spec).filter((camera) => conditionOf(camera) !== 'offline');
  const byCondition = new Map<FrameCondition, UnitFeatures>();
  for (const condition of new Set(sending.map(conditionOf))) {
    if (condition === 'offline') continue;
    const cameras = sending.filter((camera) => conditionOf(camera) === condition);
    byCondition.set(condition, await unitFeatures(spec, { day, condition }, cameras, onImage));
  }
  const out: FleetImageFeatures[] = [];
  for (let frame = 0; frame < spec.framesPerDay; frame++) {
    for (const camera of sending) {
      const features = byCondition.get(conditionOf(camera) as FrameCondition)?.[camera]?.[frame];
      if (!features) throw new Error(`no features for ${camera} frame ${frame} of day ${day}`);
      out.push({ camera, frame, key: frameKey(day, camera, frame), features });
    }
  }
  return out;
}

/**
 * The units behind the evaluation set: reference days −4…−1, clean days 1…10 and day 4 under each
 * pixel fault on every camera. Faults on cam002 alone and offline cameras need nothing more.
 */
export function evaluationUnits(): FleetUnit[] {
  return [
    ...[...REFERENCE_DAYS, ...CLEAN_DAYS].map((day) => ({ day, condition: 'clean' as const })),
    ...PIXEL_FAULTS.map((condition) => ({ day: FAULT_DAY, condition })),
  ];
}

/** The fault plans of the evaluation: each fault on day 4, on every camera and on cam002 alone. */
export function evaluationFaults(spec: FleetSpec): FleetFaultPlan[] {
  return [...PIXEL_FAULTS, 'offline' as const].flatMap((kind) => [
    { kind, cameras: cameraIds(spec) },
    { kind, cameras: [SINGLE_FAULTY_CAMERA] },
  ]);
}

async function computeUnits(spec: FleetSpec, units: readonly FleetUnit[]): Promise<void> {
  for (const unit of units) {
    const started = performance.now();
    await unitFeatures(spec, unit, cameraIds(spec));
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    process.stderr.write(
      `fleet ${spec.cameras}×${spec.framesPerDay} seed ${spec.seed}: ${dayName(unit.day)} ${unit.condition} (${seconds} s)\n`,
    );
  }
}

/**
 * Computes the evaluation set of one fleet into the cache, in `workers` child processes (one per
 * core); units already cached are skipped, so a second run is instant.
 */
export async function precomputeFleet(spec: FleetSpec, workers = 2): Promise<void> {
  const all = cameraIds(spec);
  const missing: FleetUnit[] = [];
  for (const unit of evaluationUnits()) {
    const cached = await loadUnit(spec, unit);
    if (all.some((camera) => cached[camera]?.length !== spec.framesPerDay)) missing.push(unit);
  }
  const shares = Array.from({ length: workers }, (_, w) =>
    missing.filter((_, i) => i % workers === w),
  );
  await Promise.all(shares.filter((units) => units.length > 0).map((u) => runWorker(spec, u)));
}

const self = fileURLToPath(import.meta.url);

function runWorker(spec: FleetSpec, units: readonly FleetUnit[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', self, '--compute', JSON.stringify({ spec, units })],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`fleet worker exited with ${code}`)),
    );
  });
}

async function main(args: readonly string[]): Promise<void> {
  const work = stringOption(args, 'compute', '');
  if (work) {
    const { spec, units } = JSON.parse(work) as { spec: FleetSpec; units: FleetUnit[] };
    await computeUnits(spec, units);
    return;
  }
  const { width, height } = sizeOption(args, '160x120');
  const photos = scenesOption(args) === 'photos' ? await naturalPhotos() : undefined;
  for (const seed of stringOption(args, 'seeds', '1,2,3').split(',').map(Number)) {
    const spec: FleetSpec = {
      cameras: Number(stringOption(args, 'cameras', '12')),
      framesPerDay: Number(stringOption(args, 'frames-per-day', '20')),
      width,
      height,
      seed,
      photos,
    };
    const started = performance.now();
    await precomputeFleet(spec);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`fleet ${spec.cameras}×${spec.framesPerDay} seed ${seed}: ${seconds} s`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === self) await main(process.argv.slice(2));
