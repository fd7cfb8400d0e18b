import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { progressBar } from '../progress.ts';

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
    .action(async (paths: string[], opts: { output: string; dataset: string; window: string }) => {
      const { expandPaths } = await import('../../adapters/local/image-folder.ts');
      const { SharpDecoder } = await import('../../adapters/sharp-codec.ts');
      const { encodeProfile } = await import('../../core/profile/profile-codec.ts');
      const { profileImages } = await import('../../use-cases/profile-images.ts');
      const inputs = await expandPaths(paths);
      if (inputs.length === 0) throw new Error(`no files found in ${paths.join(', ')}`);
      const bar = progressBar('profiling');
      const started = performance.now();
      const { profile, unreadable } = await profileImages(inputs, {
        dataset: opts.dataset,
        window: { start: opts.window, end: opts.window },
        decoder: new SharpDecoder(),
        onProgress: (done, total) => bar.update(done, total),
      });
      bar.stop();
      const bytes = encodeProfile(profile);
      await writeFile(opts.output, bytes);
      const seconds = (performance.now() - started) / 1000;
      console.log(
        `Profiled ${profile.images} image(s), ${unreadable.length} unreadable, in ${seconds.toFixed(1)} s → ${opts.output} (${(bytes.length / 1024).toFixed(1)} KB)`,
      );
      for (const u of unreadable) console.log(`  unreadable  ${u.key}: ${u.reason} (${u.detail})`);
    });
}
