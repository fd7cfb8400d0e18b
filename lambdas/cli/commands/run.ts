import type { Command } from 'commander';
import { problemKey } from '../../core/drift/digest.ts';
import { byExceedance } from '../../core/drift/monitor-result.ts';
import { aggregationMethodText } from '../../core/labels/aggregation-text.ts';
import type { AlertSummary, DayReport, FolderRun } from '../../local/run-folder.ts';
import { formatNumber, table } from '../format.ts';
import { progressBar } from '../progress.ts';
import { print, printJson, shown, warn } from '../terminal.ts';
import { defaultWorkers, withAnalyzer, workersOption } from '../workers.ts';

interface RunOptions {
  reference?: string;
  config?: string;
  out?: string;
  dataset?: string;
  json?: boolean;
  /** Worker threads for decoding and profiling (0: the main thread). */
  workers?: number;
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run the nightly pipeline locally over a folder with one sub-folder per day')
    .argument(
      '<root>',
      'folder holding day_1/, day_2/, … (or ISO dates), an optional reference/ and labels/',
    )
    .option('--reference <dir>', 'reference images (default: <root>/reference)')
    .option(
      '--config <file>',
      'monitor config JSON (default: the shipped defaults, see docs/monitors.md)',
    )
    .option(
      '--out <dir>',
      'where profiles, results and alerts go (default: <root>/.driftwatch/out)',
    )
    .option('--dataset <name>', 'dataset name (default: the root folder name)')
    .option('--json', 'print one JSON document on stdout (progress still goes to stderr)')
    .addOption(workersOption())
    .addHelpText(
      'after',
      '\nExample:\n  driftwatch run ./cats-vs-dogs            # day_1 … day_7 plus reference/\n  driftwatch run ./shots --json > run.json\n  driftwatch run ./shots --workers 0       # profile on the main thread only',
    )
    .action(async (root: string, opts: RunOptions) => {
      const run = await runLocal(root, opts);
      if (opts.json) printJson(toJson(run));
      else printRun(run);
    });
}

export async function runLocal(root: string, opts: RunOptions): Promise<FolderRun> {
  const { SharpDecoder } = await import('../../adapters/sharp-codec.ts');
  const { runFolder } = await import('../../local/run-folder.ts');
  const { loadMonitorConfig } = await import('../config-file.ts');
  const config = await loadMonitorConfig(opts.config);
  let bar: ReturnType<typeof progressBar> | undefined;
  let barLabel = '';
  const run = await withAnalyzer(opts.workers ?? defaultWorkers(), (analyzer) =>
    runFolder({
      root,
      config,
      reference: opts.reference,
      out: opts.out,
      dataset: opts.dataset,
      decoder: new SharpDecoder(),
      analyzer,
      log: (message) => warn(message),
      onProgress: (label, done, total) => {
        if (label !== barLabel) {
          bar?.stop();
          bar = progressBar(`profiling ${label.padEnd(10)}`);
          barLabel = label;
        }
        bar?.update(done, total);
        if (done === total) {
          bar?.stop();
          bar = undefined;
          barLabel = '';
        }
      },
    }),
  );
  bar?.stop();
  return run;
}

/** The documented `--json` shape. */
export function toJson(run: FolderRun) {
  return {
    dataset: run.dataset,
    out: run.out,
    report: run.report,
    skipped: run.skipped,
    days: run.days.map((d) => ({
      day: d.day,
      images: d.images,
      unreadable: d.unreadable,
      ...(d.segments ? { segments: d.segments } : {}),
      alerts: d.alerts.map((a) => ({
        monitor: a.monitor,
        ...(a.segment ? { segment: a.segment } : {}),
        feature: a.feature,
        baseline: a.baseline,
        score: a.score,
        threshold: a.threshold,
        severity: a.severity,
      })),
      ...(d.performance
        ? {
            performance: {
              labelled: d.performance.metrics.labelled,
              accuracy: d.performance.metrics.accuracy,
              macroF1: d.performance.metrics.macroF1,
              confusion: d.performance.confusion,
            },
          }
        : {}),
      ...(d.estimatedPerformance
        ? {
            estimatedPerformance: {
              accuracy: d.estimatedPerformance.accuracy,
              low: d.estimatedPerformance.low,
              high: d.estimatedPerformance.high,
              method: d.estimatedPerformance.method,
              calibratedOn: d.estimatedPerformance.calibratedOn,
            },
          }
        : {}),
      ...(d.modelOutputs && d.modelOutputs.predictions > 0 ? { modelOutputs: d.modelOutputs } : {}),
    })),
  };
}

function alertedFeatures(day: DayReport): string {
  const strongest = [...day.alerts].sort(byExceedance);
  const features = [
    ...new Set(
      strongest.map((a) => `${a.segment ? `${a.segment}: ` : ''}${a.feature ?? a.monitor}`),
    ),
  ];
  return features.length > 4
    ? `${features.slice(0, 4).join(', ')} +${features.length - 4}`
    : features.join(', ');
}

/** Entries shown by name; the rest are counted (the --json output lists them all). */
const SKIPPED_SHOWN = 20;

function printSkipped(run: FolderRun): void {
  if (run.skipped.length === 0) return;
  print(
    `\nNot read (${run.skipped.length}): links are never followed, files above their size limit are refused`,
  );
  for (const s of run.skipped.slice(0, SKIPPED_SHOWN))
    print(`  ${shown(s.key)}: ${shown(s.reason)}`);
  if (run.skipped.length > SKIPPED_SHOWN)
    print(`  … and ${run.skipped.length - SKIPPED_SHOWN} more (see --json)`);
}

export function printRun(run: FolderRun): void {
  if (run.reference)
    print(`Reference: ${run.reference.images} images from ${shown(run.reference.folder)}`);
  const pct = (x: number | undefined) => (x === undefined ? '–' : `${(x * 100).toFixed(1)}%`);
  const rows = run.days.map((d) => [
    d.day,
    String(d.images),
    String(d.unreadable),
    d.performance ? String(d.performance.metrics.labelled) : '–',
    pct(d.performance?.metrics.accuracy),
    pct(d.estimatedPerformance?.accuracy),
    d.alerts.length ? `ALERT (${new Set(d.alerts.map(problemKey)).size})` : 'ok',
    alertedFeatures(d) || '–',
  ]);
  print(
    table(
      ['day', 'images', 'unreadable', 'labelled', 'accuracy', 'estimated', 'status', 'what moved'],
      rows,
    ),
  );
  for (const d of run.days) {
    for (const u of d.unreadableFiles)
      print(`  ${shown(d.day)}: unreadable ${shown(u.key)} — ${u.reason} (${shown(u.detail)})`);
  }
  printSkipped(run);
  for (const d of run.days) {
    if (!d.digest) continue;
    print(
      `\n── ${d.digest.subject}${d.digestStatus === 'already-sent' ? '  (sent on an earlier run)' : ''}`,
    );
    // One line per problem (segment, monitor, feature), as in the digest, with every baseline it
    // fired against; the strongest problems first.
    const problems = new Map<string, AlertSummary[]>();
    for (const a of [...d.alerts].sort(byExceedance)) {
      const key = problemKey(a);
      problems.set(key, [...(problems.get(key) ?? []), a]);
    }
    const shownProblems = [...problems.values()].slice(0, 5);
    for (const [first, ...more] of shownProblems as [AlertSummary, ...AlertSummary[]][]) {
      const scores = [first, ...more].map(
        (a) =>
          `${formatNumber(a.score)} ${a.score < a.threshold ? '<' : '>'} ${formatNumber(a.threshold)} vs ${a.baseline}`,
      );
      print(`   ${first.severity.padEnd(6)} ${first.summary} (${scores.join('; ')})`);
    }
    if (problems.size > shownProblems.length)
      print(`   … and ${problems.size - shownProblems.length} more in the digest`);
  }
  for (const f of run.labelFiles) {
    print(
      `\nLabels ${shown(f.file)}: ${f.format}, ${f.labelled} images labelled by ${aggregationMethodText(f)}` +
        `${f.agreement !== undefined ? `, annotator agreement α = ${f.agreement.toFixed(2)}` : f.agreementUndefinedBecause ? `, annotator agreement α undefined (${f.agreementUndefinedBecause})` : ''}` +
        `${f.unmatched + f.ambiguous + f.expired ? `; not matched: ${f.unmatched} unknown, ${f.ambiguous} ambiguous, ${f.expired} expired` : ''}`,
    );
    if (f.digest) {
      print(`── ${f.digest.subject}`);
      for (const a of f.alerts) print(`   ${a.severity.padEnd(6)} ${a.summary}`);
    }
  }
  if (run.report) print(`\nReport: ${run.report}`);
  print(`Profiles, results, alert digests and retraining manifests: ${run.out}`);
}
