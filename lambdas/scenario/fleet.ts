import { readFile } from 'node:fs/promises';
import { cropPhoto } from '../adapters/sharp-codec.ts';
import type { DecodedImage } from '../core/image/decoded-image.ts';
import { SeededRandom, stableSeed } from '../core/sketches/random.ts';
import {
  type Corruption,
  compose,
  deadPixels,
  defocusBlur,
  gaussianNoise,
  pixelate,
} from './corruptions.ts';
import { normalDeviate, syntheticPhoto } from './synthetic-photo.ts';

/**
 * A simulated fleet of fixed cameras for the fleet-monitoring evaluation (issue 13). Each camera
 * watches one fixed scene all the time; its frames differ only by a few pixels of mount jitter, the
 * light (the day's weather, the time of day and the camera's own exposure) and sensor noise. A fault
 * hits the frames of the cameras it is given. Everything is deterministic from the fleet seed, and a
 * frame does not depend on which other cameras are faulty, so faulty and clean days share frames.
 */

export const FLEET_FAULTS = ['blur', 'darkening', 'pixelation', 'noise', 'offline'] as const;
export type FleetFault = (typeof FLEET_FAULTS)[number];
/** The faults that change pixels (offline cameras send nothing). */
export type FrameFault = Exclude<FleetFault, 'offline'>;

export interface FleetSpec {
  readonly cameras: number;
  readonly framesPerDay: number;
  readonly width: number;
  readonly height: number;
  readonly seed: number;
  /** Daylight at the first and last frame of a day, against 1 at midday (default 0.85). */
  readonly dusk?: number | undefined;
  /**
   * Photographs the cameras' scenes are cut from (camera k watches a seeded crop of photograph
   * k mod P); synthetic scenes when absent.
   */
  readonly photos?: readonly string[] | undefined;
}

export interface FleetFaultPlan {
  readonly kind: FleetFault;
  readonly cameras: readonly string[];
}

export interface FleetFrame {
  /** 'cam001', 'cam002', … */
  readonly camera: string;
  readonly frame: number;
  readonly image: DecodedImage;
}

/** Reference days are -4 … -1; monitored days are 1 … N. */
export const REFERENCE_DAYS: readonly number[] = [-4, -3, -2, -1];

/** Maximum mount jitter in pixels: the scene is rendered this much larger on every side. */
export const JITTER = 3;
/** Per-sample sensor noise σ on the 8-bit scale. */
export const SENSOR_NOISE = 2;
/** Weather moves the light of every camera of the fleet by up to ±15% from day to day. */
export const WEATHER_RANGE = 0.15;
/** A darkened camera gets this fraction of its usual light (a dirty or failing lens, an iris fault). */
export const DARKENING = 0.7;

/**
 * Pixel faults. Defocus blur happens in the optics, before the sensor adds noise; pixelation with dead
 * pixels (the demo's CAMERA_FAULT) and extra noise happen in the electronics, after it.
 */
const OPTICAL_BLUR: Corruption = defocusBlur(3);
const ELECTRONIC_FAULTS: Partial<Record<FrameFault, Corruption>> = {
  pixelation: compose(pixelate(0.4), deadPixels(0.002)),
  noise: gaussianNoise(0.08),
};

export const cameraId = (index: number): string => `cam${String(index + 1).padStart(3, '0')}`;

export const cameraIds = (spec: Pick<FleetSpec, 'cameras'>): string[] =>
  Array.from({ length: spec.cameras }, (_, i) => cameraId(i));

/** A uniform draw in [0, 1) from a name: every random choice of the fleet has its own stream. */
const uniform = (name: string): number => new SeededRandom(stableSeed(name)).next();

/** The day's weather factor, shared by every camera of the fleet, uniform in [0.85, 1.15]. */
export const dayWeather = (fleetSeed: number, day: number): number =>
  1 - WEATHER_RANGE + 2 * WEATHER_RANGE * uniform(`weather ${fleetSeed} ${day}`);

/** Daylight at the first and last frame of a day unless the fleet says otherwise. */
export const DUSK = 0.85;

/** Daylight over the frames of a day: `dusk` at the first and last frame, 1 at midday. */
export function timeOfDay(frame: number, framesPerDay: number, dusk = DUSK): number {
  const t = framesPerDay > 1 ? frame / (framesPerDay - 1) : 0.5;
  return dusk + (1 - dusk) * Math.sin(Math.PI * t);
}

/** The camera's own exposure setting, constant over time, uniform in [0.9, 1.1]. */
export const cameraExposure = (fleetSeed: number, camera: string): number =>
  0.9 + 0.2 * uniform(`exposure ${fleetSeed} ${camera}`);

/** The light factor of one frame, before any darkening fault. */
export const frameLight = (spec: FleetSpec, camera: string, day: number, frame: number): number =>
  dayWeather(spec.seed, day) *
  timeOfDay(frame, spec.framesPerDay, spec.dusk) *
  cameraExposure(spec.seed, camera);

// Scene generation is the slow part: one scene per camera (and one blurred copy), kept in memory.
const scenes = new Map<string, Promise<DecodedImage>>();

function cameraScene(spec: FleetSpec, camera: string, blurred: boolean): Promise<DecodedImage> {
  const source = spec.photos?.length ? spec.photos.join('|') : 'synthetic';
  const key = `${source}/${spec.seed}/${spec.width}x${spec.height}/${camera}/${blurred ? 'blur' : 'sharp'}`;
  let scene = scenes.get(key);
  if (!scene) {
    scene = blurred
      ? cameraScene(spec, camera, false).then((sharp) => OPTICAL_BLUR(sharp, 0))
      : renderScene(spec, camera);
    scenes.set(key, scene);
  }
  return scene;
}

async function renderScene(spec: FleetSpec, camera: string): Promise<DecodedImage> {
  if (spec.photos?.length) return photoScene(spec, camera, spec.photos);
  const sceneSeed = stableSeed(`scene ${spec.seed} ${camera}`);
  const animal = uniform(`animal ${spec.seed} ${camera}`) < 0.5 ? 'cat' : 'dog';
  return syntheticPhoto(spec.width + 2 * JITTER, spec.height + 2 * JITTER, sceneSeed, animal);
}

/** Crops the frame out of the larger scene at the jitter offset, applies the light, adds noise. */
function expose(
  scene: DecodedImage,
  spec: FleetSpec,
  light: number,
  random: SeededRandom,
): DecodedImage {
  const dx = Math.floor(random.next() * (2 * JITTER + 1));
  const dy = Math.floor(random.next() * (2 * JITTER + 1));
  const pixels = new Uint8Array(spec.width * spec.height * 3);
  for (let y = 0; y < spec.height; y++) {
    const from = ((y + dy) * scene.width + dx) * 3;
    const to = y * spec.width * 3;
    for (let i = 0; i < spec.width * 3; i++) {
      const value =
        (scene.pixels[from + i] as number) * light + SENSOR_NOISE * normalDeviate(random);
      pixels[to + i] = value < 0 ? 0 : value > 255 ? 255 : Math.round(value);
    }
  }
  return { width: spec.width, height: spec.height, channels: 3, pixels };
}

/** One frame of one camera, with an optional pixel fault. */
export async function renderFrame(
  spec: FleetSpec,
  camera: string,
  day: number,
  frame: number,
  fault?: FrameFault,
): Promise<DecodedImage> {
  // The same jitter and sensor noise with or without a fault: faulty and clean frames pair up.
  const frameName = `${spec.seed} ${camera} ${day} ${frame}`;
  const scene = await cameraScene(spec, camera, fault === 'blur');
  const light = frameLight(spec, camera, day, frame) * (fault === 'darkening' ? DARKENING : 1);
  const image = expose(scene, spec, light, new SeededRandom(stableSeed(`frame ${frameName}`)));
  const electronic = fault ? ELECTRONIC_FAULTS[fault] : undefined;
  // A stream of its own: the fault's noise must not replay the sensor noise.
  return electronic ? electronic(image, stableSeed(`fault ${frameName}`)) : image;
}

/**
 * Frames of one day in time order (every camera's frame 0, then frame 1, …); the fault hits the listed
 * cameras (all or some).
 */
export async function* fleetDay(
  spec: FleetSpec,
  day: number,
  fault?: FleetFaultPlan,
): AsyncGenerator<FleetFrame> {
  const faulty = new Set(fault?.cameras ?? []);
  for (let frame = 0; frame < spec.framesPerDay; frame++) {
    for (const camera of cameraIds(spec)) {
      const kind = fault && faulty.has(camera) ? fault.kind : undefined;
      if (kind === 'offline') continue;
      yield { camera, frame, image: await renderFrame(spec, camera, day, frame, kind) };
    }
  }
}

/**
 * A camera's view of a photograph: cameras beyond the number of photographs watch other parts of
 * them, each a seeded crop spanning 25–70% of the photograph's width.
 */
async function photoScene(
  spec: FleetSpec,
  camera: string,
  photos: readonly string[],
): Promise<DecodedImage> {
  const index = cameraIds(spec).indexOf(camera);
  const photo = photos[index % photos.length] as string;
  const place = {
    x: uniform(`crop x ${spec.seed} ${camera}`),
    y: uniform(`crop y ${spec.seed} ${camera}`),
    span: 0.25 + 0.45 * uniform(`crop span ${spec.seed} ${camera}`),
  };
  return cropPhoto(await readFile(photo), place, spec.width + 2 * JITTER, spec.height + 2 * JITTER);
}
