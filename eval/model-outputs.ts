/**
 * Model-output evaluation (issue 14), on the demo's real classifier and camera fault:
 *  - estimated (ATC) vs labelled and true accuracy per day: mean absolute error on clean and
 *    faulty days, as the nights give it (calibrated on earlier labelled days) and leave-one-day-out
 *    on the clean days;
 *  - with day 4–7 labels withheld: which night first flags the fault from model outputs alone;
 *  - the performance alert's false-alarm rate with no real change (20, 30, 100, 1,000 labels a
 *    day), against the former point-estimate rule, and its power on the demo's day-4 drop.
 *
 *   npx tsx eval/model-outputs.ts [--seed 1] [--out eval/.cache/demo] [--trials 10000] [--seeds 2,3,4,5,6]
 *
 * `--seeds` adds one summary line per further seed (its scenario in eval/.cache/demo-seed<N>). A
 * scenario is built once (about 10 minutes on a loaded 2-core machine) and reused.
 */
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FileLabelStore } from '../lambdas/adapters/local/file-label-store.ts';
import { FileProfileStore } from '../lambdas/adapters/local/file-profile-store.ts';
import { SharpDecoder } from '../lambdas/adapters/sharp-codec.ts';
import { DEFAULT_MONITOR_CONFIG } from '../lambdas/core/drift/monitor-config.ts';
import {
  atcCalibration,
  estimateAccuracy,
  mergeCalibration,
} from '../lambdas/core/performance/estimated-performance.ts';
import type { PerformanceRecord } from '../lambdas/core/performance/performance-record.ts';
import { dominantVersion } from '../lambdas/core/profile/model-outputs.ts';
import { type FolderRun, runFolder } from '../lambdas/local/run-folder.ts';
import { buildScenario, type Scenario } from '../lambdas/scenario/build-scenario.ts';
import { REFERENCE_DAY } from '../lambdas/use-cases/profile-batch.ts';
import { stringOption } from './options.ts';
import { simulateEstimatedAlerts, simulatePerformanceAlerts } from './performance-alerts-lib.ts';

const args = process.argv.slice(2);
const SEED = Number(stringOption(args, 'seed', '1'));
const outOf = (seed: number) => path.resolve(`eval/.cache/demo${seed === 1 ? '' : `-seed${seed}`}`);
const OUT = path.resolve(stringOption(args, 'out', outOf(SEED)));
const MORE_SEEDS = stringOption(args, 'seeds', '')
  .split(',')
  .filter((x) => x.trim() !== '')
  .map(Number)
  .filter((x) => x !== SEED);
const TRIALS = Number(stringOption(args, 'trials', '10000'));
const DATASET = 'cats-vs-dogs';
const FAULT_FROM = 4;

const pct = (x: number | undefined) => (x === undefined ? '–' : `${(x * 100).toFixed(1)}%`);
const points = (x: number) => (x * 100).toFixed(1);
const mean = (xs: readonly number[]) =>
  xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN;
const dayNumber = (day: string) => Number(day.replace('day_', ''));

/** Accuracy of the model on every image of each day, from the scenario's ground truth. */
async function trueAccuracy(scenario: Scenario): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const day of scenario.days) {
    const truth = new Map(
      scenario.images.filter((i) => i.folder === day).map((i) => [i.file, i.animal]),
    );
    const rows = (await readFile(path.join(scenario.root, day, 'predictions.csv'), 'utf8'))
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(','));
    const right = rows.filter(([file, prediction]) => truth.get(file as string) === prediction);
    out.set(day, right.length / rows.length);
  }
  return out;
}

const run = (root: string, out: string) =>
  runFolder({
    root,
    config: DEFAULT_MONITOR_CONFIG,
    decoder: new SharpDecoder(),
    dataset: DATASET,
    out,
    now: () => new Date('2026-12-01T03:00:00Z'),
  });

/** A copy of the scenario whose label file holds only the days before the fault. */
async function withheldCopy(scenario: Scenario): Promise<string> {
  const root = `${scenario.root}-labels-1-3`;
  await rm(root, { recursive: true, force: true });
  await cp(scenario.root, root, { recursive: true });
  const file = path.join(root, 'labels', 'toloka-results.tsv');
  const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
  const kept = lines.filter((line, i) => {
    const day = /^day_(\d+)\//.exec(line)?.[1];
    return i === 0 || day === undefined || Number(day) < FAULT_FROM;
  });
  await writeFile(file, `${kept.join('\n')}\n`);
  return root;
}

/**
 * Estimates for each clean day calibrated on the labelled reference and the other clean labelled
 * days (leave one day out).
 */
async function leaveOneOut(result: FolderRun, clean: readonly string[]) {
  const labels = new FileLabelStore(result.out);
  const profiles = new FileProfileStore(result.out);
  const records = new Map<string, PerformanceRecord>();
  for (const day of [REFERENCE_DAY, ...clean]) {
    const record = await labels.loadPerformance(DATASET, day);
    if (record) records.set(day, record);
  }
  const out = new Map<string, number>();
  for (const day of clean) {
    const others = [REFERENCE_DAY, ...clean.filter((d) => d !== day)].map((d) => records.get(d));
    const usable = others.filter((r): r is PerformanceRecord => r?.calibration !== undefined);
    const calibration = atcCalibration(mergeCalibration(usable.map((r) => r.calibration!)));
    const profile = await profiles.loadDayProfile(DATASET, day);
    const version = profile ? dominantVersion(profile.outputs) : undefined;
    const today = version === undefined ? undefined : profile?.outputs.byVersion.get(version);
    if (!calibration || !today) continue;
    const truth = new Map<string, number>();
    for (const r of usable)
      for (const [label, row] of Object.entries(r.confusion))
        for (const n of Object.values(row)) truth.set(label, (truth.get(label) ?? 0) + n);
    const estimate = estimateAccuracy({
      calibration,
      truth,
      confidences: today.confidence.sketch,
      predicted: today.classes.counts,
      calibratedOn: usable.map((r) => r.day),
    });
    if (estimate) out.set(day, estimate.accuracy);
  }
  return out;
}

const outputAlerts = (d: FolderRun['days'][number]) =>
  d.results.filter(
    (r) =>
      r.fired &&
      (r.kind === 'prediction-drift' ||
        (r.kind === 'performance' && r.statistic === 'estimated-accuracy-drop')),
  );
const driftAlerted = (d: FolderRun['days'][number]) =>
  d.results.some((r) => r.fired && r.kind !== 'performance' && r.kind !== 'prediction-drift');

interface SeedSummary {
  readonly seed: number;
  readonly cleanLabelled: number;
  readonly cleanTrue: number;
  readonly cleanDays: number;
  readonly faultyLabelled: number;
  readonly faultyTrue: number;
  readonly faultyDays: number;
  readonly looLabelled: number;
  readonly looTrue: number;
  /** Days whose 95% interval holds the labelled / the true accuracy, of `estimatedDays`. */
  readonly coveredLabelled: number;
  readonly coveredTrue: number;
  readonly estimatedDays: number;
  readonly day4Flagged: boolean;
  readonly cleanOutputAlerts: number;
  readonly driftDays: readonly string[];
  readonly labelledAccuracy: readonly (number | undefined)[];
  readonly referenceLabelled: number;
}

/** Builds (or reuses) the seed's scenario, runs it with all labels and with days 4–7 withheld. */
async function evaluateSeed(seed: number, out: string, print: boolean): Promise<SeedSummary> {
  const scenario = await buildScenario({ out, seed });
  const truth = await trueAccuracy(scenario);
  const all = await run(scenario.root, path.join(scenario.root, '.driftwatch', 'eval-all'));
  const withheldRoot = await withheldCopy(scenario);
  const withheld = await run(withheldRoot, path.join(withheldRoot, '.driftwatch', 'eval-withheld'));
  const clean = scenario.days.filter((d) => dayNumber(d) < FAULT_FROM);
  const loo = await leaveOneOut(all, clean);
  const reference = await new FileLabelStore(all.out).loadPerformance(DATASET, REFERENCE_DAY);

  if (print) {
    console.log(
      `Seed ${seed}; labelled reference: ${reference?.metrics.labelled ?? 0} validation images, accuracy ${pct(reference?.metrics.accuracy)}.\n`,
    );
    console.log(
      '| day | true accuracy (all images) | labelled accuracy (labels) | nightly estimate [95% interval] (method; calibrated on) | estimate, labels 4–7 withheld | leave-one-day-out |',
    );
    console.log('|---|---|---|---|---|---|');
  }
  const errors = {
    cleanLabelled: [] as number[],
    cleanTrue: [] as number[],
    faultyLabelled: [] as number[],
    faultyTrue: [] as number[],
    looLabelled: [] as number[],
    looTrue: [] as number[],
  };
  let coveredLabelled = 0;
  let coveredTrue = 0;
  let estimatedDays = 0;
  for (const [i, day] of scenario.days.entries()) {
    const labelled = all.days[i]?.performance;
    const estimate = all.days[i]?.estimatedPerformance;
    const blind = withheld.days[i]?.estimatedPerformance;
    const faulty = dayNumber(day) >= FAULT_FROM;
    const realised = labelled?.metrics.accuracy;
    const exact = truth.get(day) as number;
    // The withheld run's estimate is the one a night gives before labels, on faulty days too.
    const nightly = faulty ? blind : estimate;
    if (nightly && realised !== undefined) {
      (faulty ? errors.faultyLabelled : errors.cleanLabelled).push(
        Math.abs(nightly.accuracy - realised),
      );
      (faulty ? errors.faultyTrue : errors.cleanTrue).push(Math.abs(nightly.accuracy - exact));
      estimatedDays++;
      if (nightly.low <= realised && realised <= nightly.high) coveredLabelled++;
      if (nightly.low <= exact && exact <= nightly.high) coveredTrue++;
    }
    const left = loo.get(day);
    if (left !== undefined && realised !== undefined) {
      errors.looLabelled.push(Math.abs(left - realised));
      errors.looTrue.push(Math.abs(left - exact));
    }
    if (print)
      console.log(
        `| ${day}${faulty ? ' (fault)' : ''} | ${pct(exact)} | ${pct(realised)} (${labelled?.metrics.labelled ?? 0}) | ${estimate ? `${pct(estimate.accuracy)} [${pct(estimate.low)}–${pct(estimate.high)}] (${estimate.method}; ${estimate.calibratedOn.join(', ')})` : '–'} | ${blind ? `${pct(blind.accuracy)} [${pct(blind.low)}–${pct(blind.high)}] (${blind.method})` : '–'} | ${pct(left)} |`,
      );
  }
  const firstFlagged = withheld.days.find((d) => outputAlerts(d).length > 0);
  const day4 = withheld.days[FAULT_FROM - 1];
  const summary: SeedSummary = {
    seed,
    cleanLabelled: mean(errors.cleanLabelled),
    cleanTrue: mean(errors.cleanTrue),
    cleanDays: errors.cleanLabelled.length,
    faultyLabelled: mean(errors.faultyLabelled),
    faultyTrue: mean(errors.faultyTrue),
    faultyDays: errors.faultyLabelled.length,
    looLabelled: mean(errors.looLabelled),
    looTrue: mean(errors.looTrue),
    coveredLabelled,
    coveredTrue,
    estimatedDays,
    day4Flagged: day4 !== undefined && outputAlerts(day4).length > 0,
    cleanOutputAlerts: withheld.days
      .filter((d) => dayNumber(d.day) < FAULT_FROM)
      .flatMap(outputAlerts).length,
    driftDays: all.days.filter(driftAlerted).map((d) => d.day),
    labelledAccuracy: all.days.map((d) => d.performance?.metrics.accuracy),
    referenceLabelled: reference?.metrics.labelled ?? 0,
  };
  if (!print) return summary;

  console.log(
    `\nMean absolute error of the nightly estimate, in points — clean days: ${points(summary.cleanLabelled)} vs labelled, ${points(summary.cleanTrue)} vs true (${summary.cleanDays} days); faulty days (labels withheld): ${points(summary.faultyLabelled)} vs labelled, ${points(summary.faultyTrue)} vs true (${summary.faultyDays} days).`,
  );
  console.log(
    `Leave-one-day-out on the clean days (reference + the other clean days): ${points(summary.looLabelled)} vs labelled, ${points(summary.looTrue)} vs true (${errors.looLabelled.length} days).`,
  );
  console.log(
    `95% interval of the nightly estimate holds the labelled accuracy on ${coveredLabelled} of ${estimatedDays} days, the true accuracy on ${coveredTrue} of ${estimatedDays}.`,
  );
  const firstLabelled = all.labelFiles
    .flatMap((f) => f.alerts)
    .map((a) => a.day)
    .sort((a, b) => dayNumber(a) - dayNumber(b))[0];
  console.log(
    `\nLabels for days 4–7 withheld: the fault (from ${scenario.days[FAULT_FROM - 1]}) is first flagged from model outputs on the night of ${firstFlagged?.day ?? 'no day'} (${firstFlagged ? `${dayNumber(firstFlagged.day) - FAULT_FROM} days after it began` : '–'}); the labelled alert comes for ${firstLabelled ?? 'no day'} only once that day's labels are ingested, so outputs flag it as many days before labels as labelling takes.`,
  );
  if (day4?.digest) {
    console.log(`Day-4 digest: ${day4.digest.subject}`);
    for (const r of outputAlerts(day4)) console.log(`  • ${r.summary}`);
  }
  console.log(`Model-output alerts on the clean days 1–3: ${summary.cleanOutputAlerts}.`);
  console.log(`Image-drift alerts (all labels): ${summary.driftDays.join(', ') || 'none'}.`);
  return summary;
}

function printSeedTable(summaries: readonly SeedSummary[]) {
  console.log(
    '\n| seed | clean-day MAE vs labelled (vs true) | faulty-day MAE vs labelled (vs true), labels withheld | interval holds labelled (true) | day 4 flagged from outputs | output alerts days 1–3 | image-drift days | labelled accuracy days 1–7 |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const s of summaries)
    console.log(
      `| ${s.seed} | ${points(s.cleanLabelled)} (${points(s.cleanTrue)}) | ${points(s.faultyLabelled)} (${points(s.faultyTrue)}) | ${s.coveredLabelled}/${s.estimatedDays} (${s.coveredTrue}/${s.estimatedDays}) | ${s.day4Flagged ? 'yes' : 'no'} | ${s.cleanOutputAlerts} | ${s.driftDays.map((d) => d.replace('day_', '')).join(',')} | ${s.labelledAccuracy.map((a) => (a === undefined ? '–' : Math.round(a * 100))).join(' ')} |`,
    );
  const all = (pick: (s: SeedSummary) => number) => points(mean(summaries.map(pick)));
  console.log(
    `| mean | ${all((s) => s.cleanLabelled)} (${all((s) => s.cleanTrue)}) | ${all((s) => s.faultyLabelled)} (${all((s) => s.faultyTrue)}) | ${summaries.reduce((n, s) => n + s.coveredLabelled, 0)}/${summaries.reduce((n, s) => n + s.estimatedDays, 0)} (${summaries.reduce((n, s) => n + s.coveredTrue, 0)}/${summaries.reduce((n, s) => n + s.estimatedDays, 0)}) | ${summaries.filter((s) => s.day4Flagged).length}/${summaries.length} | ${summaries.reduce((n, s) => n + s.cleanOutputAlerts, 0)} | | |`,
  );
}

async function main() {
  const started = performance.now();
  const summaries = [await evaluateSeed(SEED, OUT, true)];
  for (const seed of MORE_SEEDS) summaries.push(await evaluateSeed(seed, outOf(seed), false));
  if (summaries.length > 1) printSeedTable(summaries);

  console.log(
    `\nPerformance alerts with no real change (80% accuracy, 7 trailing labelled days, ${TRIALS.toLocaleString()} simulated days each):\n`,
  );
  console.log(
    '| labels a day | shipped monitor (z-test α = 1%, ≥ 30 labels) | z-test alone (no label guard) | former rule (drop > 15 points) |',
  );
  console.log('|---|---|---|---|');
  for (const labelsPerDay of [20, 30, 100, 1000]) {
    const r = simulatePerformanceAlerts({ labelsPerDay, trials: TRIALS });
    const rate = (n: number) => `${((100 * n) / r.trials).toFixed(2)}%`;
    console.log(
      `| ${labelsPerDay} | ${rate(r.fired)} | ${rate(r.testOnly)} | ${rate(r.pointRule)} |`,
    );
  }
  const power = simulatePerformanceAlerts({
    labelsPerDay: 58,
    todayLabels: 64,
    accuracy: 0.78,
    todayAccuracy: 0.48,
    trailingDays: 3,
    trials: TRIALS,
  });
  console.log(
    `\nPower on the demo's day-4 drop (78% → 48%, 64 labels today, 3 trailing days of 58): ${((100 * power.fired) / power.trials).toFixed(1)}% of simulated days alert.`,
  );
  console.log(
    '\nEstimated-drop alerts with no real change (calibrated model, 3 labelled days for calibration):\n',
  );
  console.log('| predictions a day | labels a day | alerts | mean absolute error vs realised |');
  console.log('|---|---|---|---|');
  for (const [predictionsPerDay, labelsPerDay] of [
    [100, 30],
    [100, 60],
    [1000, 100],
    [10000, 1000],
  ] as const) {
    const trials = Math.max(200, Math.round(TRIALS / (predictionsPerDay / 100)));
    const e = simulateEstimatedAlerts({
      predictionsPerDay,
      labelsPerDay,
      calibrationDays: 3,
      trials,
    });
    console.log(
      `| ${predictionsPerDay} | ${labelsPerDay} | ${((100 * e.fired) / e.trials).toFixed(2)}% of ${e.trials.toLocaleString()} | ${points(e.meanAbsoluteError)} points |`,
    );
  }
  console.log(`\n(${((performance.now() - started) / 1000).toFixed(0)} s)`);
}

await main();
