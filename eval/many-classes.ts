/**
 * Distinct label values against the report (issue 15 finding 3): a local root of two days with
 * `--classes / 2` small images each, predictions naming one class and labels naming another, so
 * the labelled days carry `--classes` distinct classes. `driftwatch run`'s use case (profiling,
 * two nights, the label ingestion and the report) runs in a child process; reported: its peak RSS,
 * CPU time and the report's size. Target: 800 classes → a report under 5 MB, peak under 1 GB.
 * `--root <checkout>` runs another checkout's code on the same folder (before/after).
 *
 *   npx tsx eval/many-classes.ts [--classes 800] [--root /path/to/checkout]
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { optionalOption } from './options.ts';

const args = process.argv.slice(2);
const CLASSES = Number(optionalOption(args, 'classes')) || 800;
const here = path.dirname(fileURLToPath(import.meta.url));
const checkout = path.resolve(optionalOption(args, 'root') ?? path.join(here, '..'));

/** Two days of CLASSES / 2 images each: image i labelled class-2i, predicted class-(2i+1) when odd. */
async function buildRoot(root: string) {
  const perDay = Math.ceil(CLASSES / 2);
  const labels = ['image,label'];
  for (const day of ['day_1', 'day_2']) {
    await mkdir(path.join(root, day), { recursive: true });
    const predictions = ['image,prediction'];
    for (let i = 0; i < perDay; i++) {
      const name = `img_${i}.png`;
      const png = await sharp({
        create: { width: 24, height: 24, channels: 3, background: { r: i % 256, g: 90, b: 140 } },
      })
        .png()
        .toBuffer();
      await writeFile(path.join(root, day, name), png);
      predictions.push(`${name},class-${i % 2 ? 2 * i + 1 : 2 * i}`);
      labels.push(`${day}/${name},class-${2 * i}`);
    }
    await writeFile(path.join(root, day, 'predictions.csv'), `${predictions.join('\n')}\n`);
  }
  await mkdir(path.join(root, 'labels'));
  await writeFile(path.join(root, 'labels', 'labels.csv'), `${labels.join('\n')}\n`);
}

async function child(root: string, code: string) {
  const started = process.cpuUsage();
  const load = (p: string) => import(path.join(code, p));
  const { runFolder } = await load('lambdas/local/run-folder.ts');
  const { SharpDecoder } = await load('lambdas/adapters/sharp-codec.ts');
  const { DEFAULT_MONITOR_CONFIG } = await load('lambdas/core/drift/monitor-config.ts');
  const run = await runFolder({
    root,
    config: DEFAULT_MONITOR_CONFIG,
    decoder: new SharpDecoder(),
    now: () => new Date('2026-12-01T00:00:00Z'),
  });
  const cpu = process.cpuUsage(started);
  const day = run.days.at(-1)?.performance;
  console.log(
    JSON.stringify({
      classes: CLASSES,
      accuracy: day?.metrics.accuracy,
      reportMb: run.report ? Math.round((await stat(run.report)).size / 1e4) / 100 : undefined,
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      cpuS: Math.round((cpu.user + cpu.system) / 1e5) / 10,
    }),
  );
}

async function main() {
  const root = await mkdtemp(path.join(tmpdir(), 'driftwatch-classes-'));
  try {
    await buildRoot(root);
    const run = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        fileURLToPath(import.meta.url),
        '--child',
        root,
        checkout,
        '--classes',
        String(CLASSES),
      ],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    const last = run.stdout.trim().split('\n').at(-1);
    console.log(last || `child failed (exit ${run.status}): ${run.stderr.slice(-300)}`);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

if (args[0] === '--child') await child(args[1] as string, args[2] as string);
else await main();
