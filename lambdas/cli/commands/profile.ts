import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { ModelOutput } from '../../core/profile/model-outputs.ts';
import { progressBar } from '../progress.ts';
import { print, shown } from '../terminal.ts';
import { withAnalyzer, workersFor, workersOption } from '../workers.ts';

interface ProfileOptions {
  output: string;
  dataset: string;
  window: string;
  workers: number;
}

export function registerProfile(program: Command): void {
  program
    .command('profile')
    .description('profile images (files or folders) into one mergeable profile file')
    .argument('<paths...>', 'image files and/or folders (folders are not recursed)')
    .requiredOption('-o, --output <file>', 'where to write the profile (e.g. day.profile)')
    .option('-d, --dataset <name>', 'dataset name stored in the profile', 'default')
    .option(
      '--window <label>',
      'time window label stored in the profile (e.g. 2026-11-28)',
      'unspecified',
    )
    .addOption(workersOption())
    .action(async (paths: string[], opts: ProfileOptions, command: Command) => {
      const { expandPaths } = await import('../../adapters/local/image-folder.ts');
      const { SharpDecoder } = await import('../../adapters/sharp-codec.ts');
      const { encodeProfile } = await import('../../core/profile/profile-codec.ts');
      const { profileImages } = await import('../../use-cases/profile-images.ts');
      const { readModelOutputs } = await import('../../adapters/local/local-predictions.ts');
      const { stat } = await import('node:fs/promises');
      const path = await import('node:path');
      const skipped: { key: string; reason: string }[] = [];
      const inputs = await expandPaths(paths, (entry) => skipped.push(entry));
      if (inputs.length === 0) throw new Error(`no files found in ${paths.join(', ')}`);
      // A folder's predictions.csv (or the one beside a file) gives the model's outputs.
      const outputs = new Map<string, ModelOutput>();
      for (const p of paths) {
        const folder = (await stat(p)).isDirectory() ? p : path.dirname(p);
        for (const [key, output] of (await readModelOutputs(folder)).outputs)
          if (!outputs.has(key)) outputs.set(key, output);
      }
      const bar = progressBar('profiling');
      const started = performance.now();
      const workers = workersFor(
        inputs.length,
        opts.workers,
        command.getOptionValueSource('workers') !== 'default',
      );
      const { profile, unreadable } = await withAnalyzer(workers, (analyzer) =>
        profileImages(inputs, {
          dataset: opts.dataset,
          window: { start: opts.window, end: opts.window },
          decoder: new SharpDecoder(),
          analyzer,
          outputOf: (key) => outputs.get(key) ?? outputs.get(key.split('/').pop() ?? key),
          onProgress: (done, total) => bar.update(done, total),
        }),
      );
      bar.stop();
      const bytes = encodeProfile(profile);
      await writeFile(opts.output, bytes);
      const seconds = (performance.now() - started) / 1000;
      print(
        `Profiled ${profile.images} image(s), ${unreadable.length} unreadable, in ${seconds.toFixed(1)} s → ${opts.output} (${(bytes.length / 1024).toFixed(1)} KB)`,
      );
      for (const u of unreadable)
        print(`  unreadable  ${shown(u.key)}: ${u.reason} (${shown(u.detail)})`);
      for (const s of skipped) print(`  not read    ${shown(s.key)}: ${s.reason}`);
    });
}
