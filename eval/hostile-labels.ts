/**
 * Hostile label files through the whole ingest-labels use case, each in a child process: a 100 MB
 * CSV header line without a newline, a 100 MB CSV data line, a 100 MB JSON line, a JSON line and a
 * Label Studio task nested a million levels deep. Reports each child's peak RSS and CPU time, the
 * rows kept, the issues (first one, and the longest message) and the bytes it wrote to stderr.
 * Target (issue 15): under 300 MB peak RSS, rows around the bad one kept, no message over 300
 * characters. `--root <checkout>` runs another checkout's code on the same files (before/after).
 *
 *   npx tsx eval/hostile-labels.ts [--mb 100] [--root /path/to/checkout] [--json]
 */
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { optionalOption } from './options.ts';

const args = process.argv.slice(2);
const MB = Number(optionalOption(args, 'mb')) || 100;
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(optionalOption(args, 'root') ?? path.join(here, '..'));

const good = (i: number) => `img_${i}.jpg`;
const deep = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const task = (i: number, choices: string) =>
  `{"data":{"image":"${good(i)}"},"annotations":[{"completed_by":1,"result":[{"value":{"choices":${choices}}}]}]}`;

/** Each case: a file name and its parts (a number is that many MB of filler). */
const CASES: Record<string, { file: string; parts: (string | number)[] }> = {
  'csv header line, no newline': { file: 'labels.csv', parts: ['image,label,', MB] },
  'csv data line': {
    file: 'labels.csv',
    parts: ['image,label\nimg_1.jpg,cat\nimg_2.jpg,', MB, '\nimg_3.jpg,dog\n'],
  },
  'json line': {
    file: 'labels.jsonl',
    parts: [
      '{"image":"img_1.jpg","label":"cat"}\n{"image":"img_2.jpg","label":"',
      MB,
      '"}\n{"image":"img_3.jpg","label":"dog"}\n',
    ],
  },
  'json line nested 200,000 deep': {
    file: 'labels.jsonl',
    parts: [
      `{"image":"img_1.jpg","label":"cat"}\n{"image":${deep(2e5)},"label":"cat"}\n{"image":"img_3.jpg","label":"dog"}\n`,
    ],
  },
  'label studio task nested 1e6 deep': {
    file: 'labels.json',
    parts: [`[${task(1, '["cat"]')},${task(2, `[${deep(1e6)}]`)},${task(3, '["dog"]')}]`],
  },
};

async function writeCase(file: string, parts: readonly (string | number)[]) {
  const out = createWriteStream(file);
  const filler = Buffer.alloc(1024 * 1024, 'x');
  for (const part of parts) {
    if (typeof part === 'string') {
      if (!out.write(part)) await once(out, 'drain');
    } else {
      for (let i = 0; i < part; i++) if (!out.write(filler)) await once(out, 'drain');
    }
  }
  out.end();
  await once(out, 'finish');
}

/** Child: ingest one file with the local adapters; print the summary and the resources used. */
async function child(file: string, checkout: string) {
  const started = process.cpuUsage();
  const load = (p: string) => import(path.join(checkout, p));
  const { FileLabelStore } = await load('lambdas/adapters/local/file-label-store.ts');
  const { FileNightStore } = await load('lambdas/adapters/local/file-night-store.ts');
  const { LocalPredictionIndex } = await load('lambdas/adapters/local/local-predictions.ts');
  const { DEFAULT_MONITOR_CONFIG } = await load('lambdas/core/drift/monitor-config.ts');
  const { ingestLabels } = await load('lambdas/use-cases/ingest-labels.ts');
  const out = path.join(path.dirname(file), 'out');
  const predictions = new LocalPredictionIndex();
  for (const i of [1, 2, 3])
    predictions.add({ key: `day_1/${good(i)}`, day: 'day_1', prediction: 'cat' });
  let result: Record<string, unknown>;
  try {
    const summary = await ingestLabels(
      { dataset: 'pets', name: path.basename(file), open: () => createReadStream(file) },
      {
        predictions,
        labels: new FileLabelStore(out),
        nights: new FileNightStore(out),
        notifier: { publish: async () => {} },
        config: DEFAULT_MONITOR_CONFIG,
        now: () => new Date('2026-12-01T00:00:00Z'),
      },
    );
    const messages = summary.issueExamples.map((i: { line: number; message: string }) => i);
    result = {
      rows: summary.rows,
      labelled: summary.labelled,
      issues: summary.issues,
      firstIssue: messages[0]
        ? `line ${messages[0].line}: ${messages[0].message.slice(0, 90)}`
        : undefined,
      longestMessage: Math.max(0, ...messages.map((m: { message: string }) => m.message.length)),
    };
  } catch (error) {
    result = { threw: String((error as Error).message).slice(0, 120) };
  }
  const cpu = process.cpuUsage(started);
  process.stdout.write(
    `${JSON.stringify({ ...result, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024), cpuS: Math.round((cpu.user + cpu.system) / 1e5) / 10 })}\n`,
  );
}

async function main() {
  const dir = await mkdtemp(path.join(tmpdir(), 'driftwatch-hostile-'));
  try {
    for (const [name, { file, parts }] of Object.entries(CASES)) {
      const target = path.join(dir, file);
      await writeCase(target, parts);
      const run = spawnSync(
        process.execPath,
        ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', target, root],
        { encoding: 'utf8', maxBuffer: 1024 * 1024 * 1024 },
      );
      const line = run.stdout.trim().split('\n').at(-1) ?? '';
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(line);
      } catch {
        parsed = { crashed: `exit ${run.status}`, stderrTail: run.stderr.slice(-200) };
      }
      const row = { case: name, ...parsed, stderrBytes: run.stderr.length };
      console.log(args.includes('--json') ? JSON.stringify(row) : row);
      await rm(path.join(dir, 'out'), { recursive: true, force: true });
      await rm(target, { force: true });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (args[0] === '--child') await child(args[1] as string, args[2] as string);
else await main();
