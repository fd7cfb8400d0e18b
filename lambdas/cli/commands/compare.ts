import type { Command } from 'commander';
import { formatNumber, table } from '../format.ts';
import { print, printJson } from '../terminal.ts';

export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description(
      'per-feature drift table between two profiles (KS with noise floor, Hellinger, PSI, JS, Wasserstein)',
    )
    .argument('<baseline>', 'baseline profile file')
    .argument('<target>', 'target profile file')
    .option('--alpha <p>', 'false-alarm probability per feature for the KS noise floor', '1e-6')
    .option('--json', 'print the table as JSON')
    .action(
      async (baselineFile: string, targetFile: string, opts: { alpha: string; json?: boolean }) => {
        const alpha = Number(opts.alpha);
        if (!(alpha > 0 && alpha < 0.5))
          throw new Error(`--alpha must be in (0, 0.5), got ${opts.alpha}`);
        const { readProfileFile } = await import('../../adapters/local/profile-file.ts');
        const { compareProfiles } = await import('../../core/drift/compare-profiles.ts');
        const baseline = await readProfileFile(baselineFile);
        const target = await readProfileFile(targetFile);
        const rows = compareProfiles(baseline, target, { alpha }).sort(
          (a, b) => b.score / b.threshold - a.score / a.threshold,
        );
        if (opts.json) {
          printJson(rows, 2);
          return;
        }
        print(`${baseline.images} baseline images vs ${target.images} target images\n`);
        print(
          table(
            [
              'feature',
              'drift',
              'KS D / L∞',
              'threshold',
              'Hellinger',
              'PSI',
              'JS',
              'Wass./σ',
              'median base → target',
            ],
            rows.map((r) => [
              r.feature,
              r.drifted ? 'DRIFT' : '',
              formatNumber(r.score),
              formatNumber(r.threshold),
              formatNumber(r.hellinger),
              formatNumber(r.psi),
              formatNumber(r.js),
              formatNumber(r.wasserstein),
              r.type === 'numeric'
                ? `${formatNumber(r.baselineMedian)} → ${formatNumber(r.targetMedian)}`
                : '',
            ]),
          ),
        );
        const drifted = rows.filter((r) => r.drifted).length;
        print(`\n${drifted} of ${rows.length} features drifted.`);
      },
    );
}
