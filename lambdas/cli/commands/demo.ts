import path from 'node:path';
import type { Command } from 'commander';
import { progressBar } from '../progress.ts';
import { print, printJson, warn } from '../terminal.ts';
import { workersOption } from '../workers.ts';
import { printRun, runLocal, toJson } from './run.ts';

interface DemoOptions {
  out: string;
  images?: string;
  perDay: string;
  reference: string;
  training: string;
  seed: string;
  json?: boolean;
  workers: number;
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'build the 7-day cats-vs-dogs story (camera fault from day 4) and run the local pipeline on it',
    )
    .option('--out <dir>', 'where to write the scenario', 'driftwatch-demo')
    .option(
      '--images <dir>',
      'use your own photos named like cat.1.jpg / dog.2.jpg instead of generated ones',
    )
    .option('--per-day <n>', 'images per day', '100')
    .option(
      '--reference <n>',
      'reference images: a labelled validation set the model never saw',
      '200',
    )
    .option('--training <n>', 'images the classifier is trained on (never written)', '200')
    .option('--seed <n>', 'random seed', '1')
    .option('--json', 'print the run as one JSON document on stdout')
    .addOption(workersOption())
    .action(async (opts: DemoOptions) => {
      const perDay = positiveInt(opts.perDay, '--per-day');
      const referenceSize = positiveInt(opts.reference, '--reference');
      const trainingSize = positiveInt(opts.training, '--training');
      const { buildScenario } = await import('../../scenario/build-scenario.ts');
      const bar = progressBar('building scenario');
      const started = performance.now();
      const scenario = await buildScenario({
        out: opts.out,
        images: opts.images,
        perDay,
        referenceSize,
        trainingSize,
        seed: positiveInt(opts.seed, '--seed'),
        onProgress: (done, total) => bar.update(done, total),
      });
      bar.stop();
      warn(
        `Scenario in ${path.relative(process.cwd(), scenario.root) || '.'}: a classifier trained on ${trainingSize} images, reference/ (${referenceSize} held-out validation images, labelled) + ${scenario.days.length} days, camera fault (pixelation + dead pixels) from day_4.`,
      );
      const run = await runLocal(scenario.root, {
        dataset: 'cats-vs-dogs',
        workers: opts.workers,
      });
      if (opts.json) {
        printJson(toJson(run));
        return;
      }
      printRun(run);
      const alerted = run.days.filter((d) => d.alerts.length > 0).map((d) => d.day);
      const silent = run.days.filter((d) => d.alerts.length === 0).map((d) => d.day);
      print(
        `\nAlerted: ${alerted.join(', ') || 'none'} · silent: ${silent.join(', ') || 'none'} · ${((performance.now() - started) / 1000).toFixed(0)} s`,
      );
    });
}

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`${flag} must be a positive integer, got ${value}`);
  return n;
}
