import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { formatNumber, table } from '../format.ts';

export function registerShow(program: Command): void {
  program
    .command('show')
    .description('print a profile: per-feature count, mean, stddev and quantiles')
    .argument('<profile>', 'a profile file written by `driftwatch profile` or `driftwatch run`')
    .option('--json', 'print the summary as JSON')
    .action(async (file: string, opts: { json?: boolean }) => {
      const { decodeProfile } = await import('../../core/profile/profile-codec.ts');
      const { SUMMARY_QUANTILES, summarize } = await import('../../core/profile/summary.ts');
      const summary = summarize(decodeProfile(await readFile(file)));
      if (opts.json) {
        console.log(JSON.stringify(summary, null, 2));
        return;
      }
      const reasons = Object.entries(summary.unreadableByReason).map(([r, n]) => `${r} ${n}`);
      console.log(
        `Dataset ${summary.dataset} · window ${summary.window.start}…${summary.window.end} · feature set v${summary.featureSetVersion}`,
      );
      console.log(
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
      console.log(table(header, rows));
      console.log();
      for (const c of summary.categorical) {
        const items = Object.entries(c.items).map(([k, n]) => `${k}: ${n}`);
        console.log(
          `${c.feature.padEnd(18)} ${items.join(', ') || '–'}${c.missing ? `  (missing ${c.missing})` : ''}`,
        );
      }
    });
}
