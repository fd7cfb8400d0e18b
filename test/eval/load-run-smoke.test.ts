import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** The load run (npm run eval runs it at 10,000 images) on 400 images with 2 broken files. */
describe('local pipeline load run (smoke)', () => {
  it('counts every file exactly once: images profiled plus unreadable equals files written', () => {
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'eval/load-run.ts', '--images', '400', '--json'],
      { encoding: 'utf8' },
    );
    expect(run.stderr).toBe('');
    const result = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}');
    expect(result).toMatchObject({ written: 400, broken: 2, profiled: 398, unreadable: 2 });
    expect(run.status).toBe(0);
  }, 120_000);
});
