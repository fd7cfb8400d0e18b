import type { DecodedImage } from '../core/image/decoded-image.ts';
import { SeededRandom } from '../core/sketches/random.ts';

/**
 * Photograph-like synthetic images for the demo and the evaluations: a 1/f ("pink") value-noise
 * background under a random light gradient and vignette, an animal-shaped subject whose coat depends
 * on the class (cats: striped orange, grey or black coats; dogs: smooth brown, golden or black coats),
 * and sensor noise. Natural photos have roughly 1/f amplitude spectra (Field 1987), which is what
 * makes sharpness, noise and entropy behave as they do on real pictures. Everything is seeded.
 */
export type AnimalClass = 'cat' | 'dog';

const CAT_COATS: readonly (readonly [number, number, number])[] = [
  [214, 132, 58],
  [150, 150, 150],
  [60, 56, 54],
  [225, 200, 160],
];
const DOG_COATS: readonly (readonly [number, number, number])[] = [
  [120, 78, 45],
  [205, 160, 90],
  [40, 34, 30],
  [180, 170, 160],
];

export function normalDeviate(random: SeededRandom): number {
  const u = 1 - random.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.next());
}

/** Smooth value noise: a random grid of (gw × gh) values, bilinearly interpolated with smoothstep. */
function valueNoise(
  width: number,
  height: number,
  cells: number,
  random: SeededRandom,
): Float32Array {
  const gw = cells + 2;
  const gh = Math.max(2, Math.round((cells * height) / width)) + 2;
  const grid = Float32Array.from({ length: gw * gh }, () => random.next() * 2 - 1);
  const out = new Float32Array(width * height);
  const sx = (gw - 2) / width;
  const sy = (gh - 2) / height;
  for (let y = 0; y < height; y++) {
    const fy = y * sy;
    const y0 = Math.floor(fy);
    let ty = fy - y0;
    ty = ty * ty * (3 - 2 * ty);
    for (let x = 0; x < width; x++) {
      const fx = x * sx;
      const x0 = Math.floor(fx);
      let tx = fx - x0;
      tx = tx * tx * (3 - 2 * tx);
      const i = y0 * gw + x0;
      const top = (grid[i] as number) + ((grid[i + 1] as number) - (grid[i] as number)) * tx;
      const bottom =
        (grid[i + gw] as number) + ((grid[i + gw + 1] as number) - (grid[i + gw] as number)) * tx;
      out[y * width + x] = top + (bottom - top) * ty;
    }
  }
  return out;
}

/** 1/f noise: octaves of value noise with amplitude halving as frequency doubles. */
function pinkNoise(
  width: number,
  height: number,
  octaves: number,
  random: SeededRandom,
  baseCells = 2,
): Float32Array {
  const out = new Float32Array(width * height);
  let amplitude = 1;
  let cells = baseCells;
  for (let o = 0; o < octaves; o++) {
    const layer = valueNoise(width, height, cells, random);
    for (let i = 0; i < out.length; i++)
      out[i] = (out[i] as number) + amplitude * (layer[i] as number);
    amplitude /= 2;
    cells *= 2;
  }
  return out;
}

const clamp = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));

export function syntheticPhoto(
  width: number,
  height: number,
  seed: number,
  animal: AnimalClass,
): DecodedImage {
  const random = new SeededRandom(seed);
  const pixels = new Uint8Array(width * height * 3);

  // Scene-level choices: exposure, colour of the background, light direction, noise.
  const exposure = 0.75 + 0.5 * random.next();
  const contrast = 0.6 + 0.6 * random.next();
  const bg = [60 + 140 * random.next(), 60 + 140 * random.next(), 60 + 140 * random.next()];
  const grey = 0.3 + 0.5 * random.next(); // how desaturated the background is
  const lightAngle = random.next() * 2 * Math.PI;
  const sensorNoise = 1 + 2.5 * random.next();

  const luminance = pinkNoise(width, height, 6, random);
  const chromaA = pinkNoise(width, height, 2, random);
  const chromaB = pinkNoise(width, height, 2, random);
  const fur = pinkNoise(width, height, 2, random, 24);

  // Hard-edged background objects (furniture, doors, a floor line): natural photos have edges.
  const floor = height * (0.55 + 0.3 * random.next());
  const floorTone = (random.next() - 0.5) * 80;
  const objects = Array.from({ length: 2 + Math.floor(random.next() * 4) }, () => ({
    x0: random.next() * width,
    y0: random.next() * height,
    w: width * (0.08 + 0.3 * random.next()),
    h: height * (0.1 + 0.4 * random.next()),
    round: random.next() < 0.4,
    tone: [
      (random.next() - 0.5) * 160,
      (random.next() - 0.5) * 160,
      (random.next() - 0.5) * 160,
    ] as const,
  }));

  // Subject: an ellipse body and a round head, placed and sized at random.
  const cx = width * (0.35 + 0.3 * random.next());
  const cy = height * (0.45 + 0.2 * random.next());
  const rx = width * (0.18 + 0.12 * random.next());
  const ry = rx * (0.55 + 0.2 * random.next());
  const hx = cx + rx * (random.next() < 0.5 ? -0.8 : 0.8);
  const hy = cy - ry * 0.9;
  const hr = rx * 0.5;
  const coats = animal === 'cat' ? CAT_COATS : DOG_COATS;
  const coat = coats[Math.floor(random.next() * coats.length)] as readonly [number, number, number];
  const coatShift = [
    normalDeviate(random) * 12,
    normalDeviate(random) * 12,
    normalDeviate(random) * 12,
  ];
  const stripeFrequency =
    (animal === 'cat' ? 0.18 + 0.1 * random.next() : 0) / Math.max(1, width / 500);
  const stripeAngle = random.next() * Math.PI;
  const stripeDepth = animal === 'cat' ? 0.35 + 0.25 * random.next() : 0;

  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const u = x / width - 0.5;
      const v = y / height - 0.5;
      const light =
        exposure *
        (1 + 0.35 * (u * Math.cos(lightAngle) + v * Math.sin(lightAngle))) *
        (1 - 0.5 * (u * u + v * v));
      const l = (luminance[i] as number) * 55 * contrast;
      const ca = (chromaA[i] as number) * 40 * (1 - grey);
      const cb = (chromaB[i] as number) * 40 * (1 - grey);
      let r = bg[0]! * (1 - grey) + 128 * grey + l + ca;
      let g = bg[1]! * (1 - grey) + 128 * grey + l - 0.5 * ca + cb;
      let b = bg[2]! * (1 - grey) + 128 * grey + l - cb;
      if (y > floor) {
        r += floorTone;
        g += floorTone;
        b += floorTone;
      }
      for (const o of objects) {
        const dx = (x - o.x0) / o.w;
        const dy = (y - o.y0) / o.h;
        const hit = o.round ? dx * dx + dy * dy < 0.25 : Math.abs(dx) < 0.5 && Math.abs(dy) < 0.5;
        if (hit) {
          r = r * 0.4 + 0.6 * (r + o.tone[0]);
          g = g * 0.4 + 0.6 * (g + o.tone[1]);
          b = b * 0.4 + 0.6 * (b + o.tone[2]);
        }
      }

      const body = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2;
      const head = ((x - hx) ** 2 + (y - hy) ** 2) / (hr * hr);
      const inside = Math.min(body, head);
      if (inside < 1.15) {
        const edge = inside < 1 ? 1 : (1.15 - inside) / 0.15; // soft outline
        const stripe =
          stripeDepth > 0
            ? 1 -
              stripeDepth *
                (0.5 +
                  0.5 *
                    Math.sin(
                      (x * Math.cos(stripeAngle) + y * Math.sin(stripeAngle)) * stripeFrequency,
                    ))
            : 1;
        const texture = 1 + 0.25 * (fur[i] as number);
        const shade = stripe * texture * (1.1 - 0.3 * inside);
        r = r * (1 - edge) + (coat[0] + coatShift[0]!) * shade * edge;
        g = g * (1 - edge) + (coat[1] + coatShift[1]!) * shade * edge;
        b = b * (1 - edge) + (coat[2] + coatShift[2]!) * shade * edge;
      }
      const n = sensorNoise * normalDeviate(random);
      pixels[i * 3] = clamp(r * light + n);
      pixels[i * 3 + 1] = clamp(g * light + n);
      pixels[i * 3 + 2] = clamp(b * light + n);
    }
  }
  return { width, height, channels: 3, pixels };
}
