import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** The label-memory eval (npm run eval runs it at 100 MB per format) on 20 MB files of two formats. */
describe('label ingestion memory (smoke)', () => {
  it('ingests 20 MB crowd and final-label files within the 200 MB growth limit, reporting bad rows by line', () => {
    const run = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'eval/label-memory.ts',
        '--mb',
        '20',
        '--formats',
        'csv,toloka-aggregated',
        '--json',
      ],
      { encoding: 'utf8' },
    );
    expect(run.stderr).toBe('');
    const [crowd, final] = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(crowd).toMatchObject({
      format: 'csv',
      method: 'dawid-skene',
      firstIssue: 'line 10001: no image',
    });
    expect(crowd.labelled).toBe(crowd.items);
    expect(final).toMatchObject({ format: 'toloka-aggregated', method: 'final-labels' });
    expect(final.labelled).toBe(final.rows);
    for (const r of [crowd, final]) {
      expect(r.issues).toBe(Math.floor((r.rows + r.issues) / 10_000));
      expect(r.growthMb).toBeLessThan(200);
    }
    expect(run.status).toBe(0);
  }, 180_000);
});
