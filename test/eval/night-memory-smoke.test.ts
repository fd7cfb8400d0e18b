import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/**
 * The night-memory eval (npm run eval runs it at 10,000 partials) at 3,000: holding the decoded
 * partials, as the first version did, grew RSS by 180 MB here; streaming them stays near 40 MB.
 */
describe('nightly merge memory (smoke)', () => {
  it('merges 3,000 stored partials while holding only one page of them', () => {
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'eval/night-memory.ts', '--partials', '3000', '--json'],
      { encoding: 'utf8' },
    );
    expect(run.stderr).not.toMatch(/Error/);
    const result = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}');
    expect(result).toMatchObject({ partials: 3000, images: 30_000 });
    expect(result.growthMb).toBeLessThan(100);
    expect(run.status).toBe(0);
  }, 180_000);
});
