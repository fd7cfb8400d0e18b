import { execFile } from 'node:child_process';
import { cpSync, symlinkSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { encodeJpeg } from '../../lambdas/adapters/sharp-codec.ts';
import { syntheticPhoto } from '../../lambdas/scenario/synthetic-photo.ts';
import { withTempDir } from '../helpers/files.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** What a clone has that the package build does not need (and this checkout's own build). */
const NOT_COPIED = new Set([
  'node_modules',
  'dist',
  '.git',
  'cdk.out',
  '.driftwatch',
  'test',
  'eval',
  'bench',
  'scratch',
  'driftwatch-demo',
  'artifacts',
  'coverage',
]);

const run = async (command: string, args: readonly string[], cwd: string) => {
  const { stdout, stderr } = await promisify(execFile)(command, args, {
    cwd,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
  return { stdout, stderr };
};

describe('the npm package', () => {
  it('installs from its tarball into an empty folder with a working driftwatch and driftwatch/cdk', async () => {
    await withTempDir(async (dir) => {
      // Packed from a copy, so the build `prepare` runs cannot rewrite this checkout's dist/ under
      // the CLI tests running beside this one.
      const source = path.join(dir, 'source');
      cpSync(ROOT, source, {
        recursive: true,
        filter: (from) => !NOT_COPIED.has(path.relative(ROOT, from).split(path.sep)[0] ?? ''),
      });
      symlinkSync(path.join(ROOT, 'node_modules'), path.join(source, 'node_modules'), 'dir');
      const packed = await run('npm', ['pack', '--json', '--pack-destination', dir], source);
      const [tarball] = JSON.parse(packed.stdout) as {
        filename: string;
        files: { path: string }[];
      }[];
      const files = (tarball?.files ?? []).map((f) => f.path);
      expect(files).toEqual(
        expect.arrayContaining([
          'bin/driftwatch.js',
          'dist/lambdas/cli/main.js',
          'dist/infra/index.js',
          'dist/infra/index.d.ts',
          'LICENSE',
          'README.md',
          'docs/operations.md',
        ]),
      );
      expect(
        files.filter((f) => /^(lambdas|infra|test)\/|\.ts$/.test(f) && !f.endsWith('.d.ts')),
      ).toEqual([]);

      // The user's side: an empty project and the tarball. The CDK peers are the user's own; this
      // checkout's copies stand in for them (installing aws-cdk-lib again costs a minute here).
      const app = path.join(dir, 'app');
      await mkdir(path.join(app, 'photos'), { recursive: true });
      await writeFile(
        path.join(app, 'package.json'),
        JSON.stringify({ name: 'pack-test', private: true, type: 'module' }),
      );
      await run(
        'npm',
        [
          'install',
          '--no-audit',
          '--no-fund',
          '--prefer-offline',
          path.join(dir, tarball?.filename ?? ''),
        ],
        app,
      );
      for (const peer of ['aws-cdk-lib', 'constructs'])
        symlinkSync(
          path.join(ROOT, 'node_modules', peer),
          path.join(app, 'node_modules', peer),
          'dir',
        );

      const help = await run('npx', ['--no-install', 'driftwatch', '--help'], app);
      expect(help.stdout).toMatch(/Usage: driftwatch/);
      expect(help.stdout).toMatch(/profile \[options\] <paths\.\.\.>/);

      for (let i = 0; i < 3; i++) {
        const animal = i % 2 ? 'dog' : 'cat';
        await writeFile(
          path.join(app, 'photos', `${animal}.${i}.jpg`),
          await encodeJpeg(syntheticPhoto(160, 120, 40 + i, animal)),
        );
      }
      const profiled = await run(
        'npx',
        ['--no-install', 'driftwatch', 'profile', 'photos', '-o', 'photos.profile'],
        app,
      );
      expect(profiled.stdout).toMatch(/Profiled 3 image\(s\), 0 unreadable/);
      const shown = await run(
        'npx',
        ['--no-install', 'driftwatch', 'show', 'photos.profile', '--json'],
        app,
      );
      expect(JSON.parse(shown.stdout)).toMatchObject({ images: 3, unreadable: 0 });

      const construct = await run(
        'node',
        [
          '--input-type=module',
          '-e',
          "const { DriftPipeline } = await import('driftwatch/cdk'); console.log(typeof DriftPipeline, DriftPipeline.name);",
        ],
        app,
      );
      expect(construct.stdout.trim()).toBe('function DriftPipeline');
    });
  }, 600_000);
});
