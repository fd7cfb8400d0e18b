/**
 * Natural photographs for the evaluations' photo scenes (`eval/fleet.ts --scenes photos`,
 * `eval/detection.ts --scenes photos`): the synthetic scenes are drawn shapes, and the monitors
 * must also hold on what real cameras see (skies, foliage, faces, macro shots with soft
 * backgrounds). No photograph is committed; they
 * come from two Debian packages, fetched with `apt-get download` (no root needed) and unpacked with
 * `dpkg-deb -x` into eval/.cache/photos:
 *   - mate-backgrounds (nature/*.jpg: 12 photographs, GPL/CC licensed wallpapers);
 *   - python3-skimage (scikit-image's sample photographs, BSD/CC0: a cat, a coffee cup, an
 *     astronaut, a motorbike, a rocket at night, and brick, grass and gravel textures).
 * Illustrations and paintings in those packages are left out.
 *
 *   npx tsx eval/natural-photos.ts      # prints the folder, fetching it first if needed
 */
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PHOTOS_DIR = fileURLToPath(new URL('./.cache/photos/', import.meta.url));

const SOURCES: readonly { package: string; folder: string; files: readonly string[] }[] = [
  {
    package: 'mate-backgrounds',
    folder: 'usr/share/backgrounds/mate/nature',
    files: [
      'Aqua.jpg',
      'Blinds.jpg',
      'Dune.jpg',
      'FreshFlower.jpg',
      'Garden.jpg',
      'GreenMeadow.jpg',
      'LadyBird.jpg',
      'RainDrops.jpg',
      'Storm.jpg',
      'TwoWings.jpg',
      'Wood.jpg',
      'YellowFlower.jpg',
    ],
  },
  {
    package: 'python3-skimage',
    folder: 'usr/lib/python3/dist-packages/skimage/data',
    files: [
      'astronaut.png',
      'chelsea.png',
      'coffee.png',
      'motorcycle_left.png',
      'rocket.jpg',
      'brick.png',
      'grass.png',
      'gravel.png',
    ],
  },
];

const EXPECTED = SOURCES.reduce((n, s) => n + s.files.length, 0);

export type Scenes = 'synthetic' | 'photos';

/** The `--scenes` option of an evaluation: `synthetic` (the default) or `photos`. */
export function scenesOption(args: readonly string[]): Scenes {
  const i = args.indexOf('--scenes');
  const value = i >= 0 ? args[i + 1] : 'synthetic';
  if (value !== 'synthetic' && value !== 'photos')
    throw new Error(`--scenes is synthetic or photos, not ${value}`);
  return value;
}

/** The photographs' paths, sorted; fetches them first when the folder is incomplete. */
export async function naturalPhotos(): Promise<string[]> {
  const present = async () =>
    (await readdir(PHOTOS_DIR).catch(() => [] as string[])).filter((f) => /\.(jpg|png)$/.test(f));
  if ((await present()).length < EXPECTED) await fetchPhotos();
  return (await present()).sort().map((f) => path.join(PHOTOS_DIR, f));
}

async function fetchPhotos(): Promise<void> {
  const work = await mkdtemp(path.join(tmpdir(), 'driftwatch-photos-'));
  try {
    await mkdir(PHOTOS_DIR, { recursive: true });
    for (const source of SOURCES) {
      try {
        execFileSync('apt-get', ['download', source.package], { cwd: work, stdio: 'pipe' });
      } catch (error) {
        throw new Error(
          `could not fetch the Debian package ${source.package} with apt-get download (${(error as Error).message.split('\n')[0]}); ` +
            `the photo fleet needs apt and a reachable Debian mirror, or the photographs copied into ${PHOTOS_DIR}`,
        );
      }
      const deb = (await readdir(work)).find((f) => f.startsWith(`${source.package}_`));
      if (!deb) throw new Error(`apt-get download left no ${source.package} package in ${work}`);
      const unpacked = path.join(work, source.package);
      execFileSync('dpkg-deb', ['-x', path.join(work, deb), unpacked]);
      for (const file of source.files)
        await copyFile(path.join(unpacked, source.folder, file), path.join(PHOTOS_DIR, file));
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const photos = await naturalPhotos();
  console.log(`${photos.length} photographs in ${PHOTOS_DIR}`);
}
