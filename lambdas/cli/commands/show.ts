import type { Command } from 'commander';
import { formatNumber, table } from '../format.ts';
import { print, printJson } from '../terminal.ts';

export function registerShow(program: Command): void {
  program
    .command('show')
    .description('print a profile: per-feature count, mean, stddev and quantiles')
    .argument('<profile>', 'a profile file written by `driftwatch profile` or `driftwatch run`')
    .option('--json', 'print the summary as JSON')
    .action(async (file: string, opts: { json?: boolean }) => {
      const { readProfileFile } = await import('../../adapters/local/profile-file.ts');
      const { SUMMARY_QUANTILES, summarize } = await import('../../core/profile/summary.ts');
      const summary = summarize(await readProfileFile(file));
      if (opts.json) {
        printJson(summary, 2);
        return;
      }
      const reasons = Object.entries(summary.unreadableByReason).map(([r, n]) => `${r} ${n}`);
      print(
        `Dataset ${summary.dataset} · window ${summary.window.start}…${summary.window.end} · feature set v${summary.featureSetVersion}`,
      );
      print(
        `${summary.images} image(s) profiled, ${summary.unreadable} unreadable${reasons.length ? ` (${reasons.join(', ')})` : ''}\n`,
      );
      const header = [
        'feature',
        'count',
        'missing',
        'mean',
        'stddev',
        'min',
        ...SUMMARY_QUANTILES.map((q) => `p${q * 100}`),
        'max',
      ];
      const rows = summary.numeric.map((s) => [
        s.feature,
        String(s.count),
        String(s.missing),
        formatNumber(s.mean),
        formatNumber(s.stddev),
        formatNumber(s.min),
        ...SUMMARY_QUANTILES.map((_, i) => formatNumber(s.quantiles[i])),
        formatNumber(s.max),
      ]);
      print(table(header, rows));
      print();
      for (const c of summary.categorical) {
        const items = Object.entries(c.items).map(([k, n]) => `${k}: ${n}`);
        print(
          `${c.feature.padEnd(18)} ${items.join(', ') || '–'}${c.missing ? `  (missing ${c.missing})` : ''}`,
        );
      }
      const outputs = summary.modelOutputs;
      if (outputs) {
        const classes = Object.entries(outputs.classes).map(([k, n]) => `${k}: ${n}`);
        const versions = Object.entries(outputs.versions).map(([k, n]) => `${k}: ${n}`);
        console.log(
          `\nModel outputs: ${outputs.predictions} prediction(s), ${outputs.withoutPrediction} image(s) without one`,
        );
        console.log(`${'predicted class'.padEnd(18)} ${classes.join(', ') || '–'}`);
        console.log(`${'model version'.padEnd(18)} ${versions.join(', ') || '–'}`);
        if (outputs.confidence)
          console.log(
            `${'confidence'.padEnd(18)} mean ${formatNumber(outputs.confidence.mean)}; p5/p25/p50/p75/p95 ${outputs.confidence.quantiles.map((q) => formatNumber(q)).join(' / ')}`,
          );
      }
    });
}
