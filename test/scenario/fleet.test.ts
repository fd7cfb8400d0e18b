import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it, vi } from 'vitest';
import type { DecodedImage } from '../../lambdas/core/image/decoded-image.ts';
import {
  cameraIds,
  DARKENING,
  dayWeather,
  type FleetFaultPlan,
  type FleetFrame,
  type FleetSpec,
  fleetDay,
} from '../../lambdas/scenario/fleet.ts';

// Three frames a day: the first and the last are taken in the same daylight.
const SPEC: FleetSpec = { cameras: 4, framesPerDay: 3, width: 96, height: 72, seed: 7 };

async function framesOf(spec: FleetSpec, day: number, fault?: FleetFaultPlan) {
  const frames: FleetFrame[] = [];
  for await (const frame of fleetDay(spec, day, fault)) frames.push(frame);
  return frames;
}

const meanAbsoluteDifference = (a: DecodedImage, b: DecodedImage) =>
  a.pixels.reduce((sum, v, i) => sum + Math.abs(v - (b.pixels[i] as number)), 0) / a.pixels.length;

const samePixels = (a: DecodedImage, b: DecodedImage) =>
  Buffer.from(a.pixels).equals(Buffer.from(b.pixels));

const meanPixel = (frames: readonly FleetFrame[], camera: string) => {
  const own = frames.filter((f) => f.camera === camera);
  return (
    own.reduce((sum, f) => sum + f.image.pixels.reduce((s, v) => s + v, 0), 0) /
    own.reduce((n, f) => n + f.image.pixels.length, 0)
  );
};

describe('simulated camera fleet', () => {
  it("names the cameras cam001… and sends every camera's frames in time order", async () => {
    const frames = await framesOf(SPEC, 1);
    expect(cameraIds(SPEC)).toEqual(['cam001', 'cam002', 'cam003', 'cam004']);
    expect(frames.map((f) => `${f.frame}/${f.camera}`).slice(0, 5)).toEqual([
      '0/cam001',
      '0/cam002',
      '0/cam003',
      '0/cam004',
      '1/cam001',
    ]);
    expect(frames[0]?.image).toMatchObject({ width: 96, height: 72, channels: 3 });
  });

  it('takes near-duplicate frames with one camera while different cameras see different scenes', async () => {
    const frames = await framesOf(SPEC, 1);
    const sameHour = cameraIds(SPEC).map((camera) => {
      const [first, , last] = frames.filter((f) => f.camera === camera);
      return meanAbsoluteDifference(first!.image, last!.image);
    });
    const firstFrames = frames.filter((f) => f.frame === 0);
    const acrossCameras = firstFrames.flatMap((a, i) =>
      firstFrames.slice(i + 1).map((b) => meanAbsoluteDifference(a.image, b.image)),
    );
    expect(Math.max(...sameHour)).toBeLessThan(Math.min(...acrossCameras) / 2);
  });

  it('moves every camera by the same weather factor from one day to the next', async () => {
    const days = [1, 2, 3, 4, 5, 6];
    const weather = days.map((d) => dayWeather(SPEC.seed, d));
    const dim = days[weather.indexOf(Math.min(...weather))]!;
    const bright = days[weather.indexOf(Math.max(...weather))]!;
    const expected = dayWeather(SPEC.seed, bright) / dayWeather(SPEC.seed, dim);
    expect(expected).toBeGreaterThan(1.1);
    const [dimFrames, brightFrames] = [await framesOf(SPEC, dim), await framesOf(SPEC, bright)];
    for (const camera of cameraIds(SPEC)) {
      const ratio = meanPixel(brightFrames, camera) / meanPixel(dimFrames, camera);
      expect(ratio).toBeGreaterThan(expected - 0.04); // bright highlights clip at 255
      expect(ratio).toBeLessThan(expected + 0.01);
    }
  });

  it('darkens only the faulty camera, by about 30%', async () => {
    const clean = await framesOf(SPEC, 4);
    const faulty = await framesOf(SPEC, 4, { kind: 'darkening', cameras: ['cam002'] });
    expect(meanPixel(faulty, 'cam002') / meanPixel(clean, 'cam002')).toBeCloseTo(DARKENING, 1);
    for (const [i, frame] of faulty.entries()) {
      if (frame.camera !== 'cam002') expect(samePixels(frame.image, clean[i]!.image)).toBe(true);
    }
  });

  it('sends no frames from an offline camera', async () => {
    const frames = await framesOf(SPEC, 4, { kind: 'offline', cameras: ['cam003'] });
    expect(frames.some((f) => f.camera === 'cam003')).toBe(false);
    expect(frames).toHaveLength(3 * SPEC.framesPerDay);
    expect(await framesOf(SPEC, 4, { kind: 'offline', cameras: cameraIds(SPEC) })).toEqual([]);
  });

  it('changes the pixels of every faulty camera under each pixel fault', async () => {
    const clean = await framesOf(SPEC, 4);
    for (const kind of ['blur', 'pixelation', 'noise'] as const) {
      const faulty = await framesOf(SPEC, 4, { kind, cameras: cameraIds(SPEC) });
      for (const [i, frame] of faulty.entries())
        expect(meanAbsoluteDifference(frame.image, clean[i]!.image)).toBeGreaterThan(1);
    }
  });

  it('renders identical pixels from the same seed, even with freshly generated scenes', async () => {
    const fault: FleetFaultPlan = { kind: 'blur', cameras: ['cam001'] };
    const first = await framesOf(SPEC, -2, fault);
    vi.resetModules(); // a fresh module: no cached scenes
    const fresh = await import('../../lambdas/scenario/fleet.ts');
    const again: FleetFrame[] = [];
    for await (const frame of fresh.fleetDay(SPEC, -2, fault)) again.push(frame);
    expect(again.map((f) => `${f.frame}/${f.camera}`)).toEqual(
      first.map((f) => `${f.frame}/${f.camera}`),
    );
    for (const [i, frame] of again.entries())
      expect(samePixels(frame.image, first[i]!.image)).toBe(true);
    const otherSeed = await framesOf({ ...SPEC, seed: 8 }, -2, fault);
    expect(samePixels(otherSeed[0]!.image, first[0]!.image)).toBe(false);
  });

  it("cuts each camera's scene out of photographs when given some, one crop per camera", async () => {
    // Two "photographs" of one flat colour each, a greyscale PNG and an RGB JPEG: every pixel of a
    // camera's scene comes from its own photograph (camera k watches photograph k mod 2).
    const folder = await mkdtemp(path.join(tmpdir(), 'driftwatch-photos-'));
    const grey = path.join(folder, 'grey.png');
    const red = path.join(folder, 'red.jpg');
    await sharp({ create: { width: 640, height: 400, channels: 3, background: '#5a5a5a' } })
      .toColourspace('b-w')
      .png()
      .toFile(grey);
    await sharp({ create: { width: 500, height: 700, channels: 3, background: '#c03020' } })
      .jpeg({ quality: 95 })
      .toFile(red);
    try {
      const spec: FleetSpec = { ...SPEC, photos: [grey, red] };
      const frames = await framesOf(spec, 1);
      expect(frames[0]?.image).toMatchObject({ width: 96, height: 72, channels: 3 });
      const redness = (camera: string) => {
        const image = frames.find((f) => f.camera === camera)?.image as DecodedImage;
        let r = 0;
        let b = 0;
        for (let i = 0; i < image.pixels.length; i += 3) {
          r += image.pixels[i] as number;
          b += image.pixels[i + 2] as number;
        }
        return r / b;
      };
      expect(redness('cam001')).toBeCloseTo(1, 1);
      expect(redness('cam003')).toBeCloseTo(1, 1);
      expect(redness('cam002')).toBeGreaterThan(4);
      expect(redness('cam004')).toBeGreaterThan(4);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
