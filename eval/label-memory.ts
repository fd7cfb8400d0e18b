/**
 * Streams a ~100 MB label file of every supported format through parsing, vote collection and
 * aggregation in a child process, and reports the peak RSS growth (target: under 200 MB) and the
 * rows kept and rejected (a bad row every 10,000 lines). Files are generated under the OS temp dir.
 *
 *   npx tsx eval/label-memory.ts [--mb 100]
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { aggregateVotes } from '../lambdas/core/labels/aggregate-votes.ts';
import type { LabelFormat } from '../lambdas/core/labels/label-row.ts';
import { parseLabels } from '../lambdas/core/labels/parse-labels.ts';
import { VoteTable } from '../lambdas/core/labels/vote-table.ts';

const args = process.argv.slice(2);
const MB = Number(args[args.indexOf('--mb') + 1]) || 100;

/** One annotation line per format (three annotators per image); every 10,000th line is broken. */
const LINES: Record<
  LabelFormat,
  { header?: string; line: (i: number) => string; open?: string; close?: string }
> = {
  csv: {
    header: 'image,label,annotator',
    line: (i) =>
      i % 10_000 === 9_999
        ? ',cat,w1'
        : `images/pets/2026/11/28/img_${Math.floor(i / 3)}.jpg,${i % 7 ? 'cat' : 'dog'},w${i % 3}`,
  },
  jsonl: {
    line: (i) =>
      i % 10_000 === 9_999
        ? '{"image": broken'
        : JSON.stringify({
            image: `img_${Math.floor(i / 3)}.jpg`,
            label: i % 7 ? 'cat' : 'dog',
            annotator: `w${i % 3}`,
          }),
  },
  'toloka-results': {
    header: 'INPUT:image\tOUTPUT:result\tGOLDEN:result\tASSIGNMENT:worker_id\tASSIGNMENT:status',
    line: (i) =>
      `https://cdn.example.com/img_${Math.floor(i / 3)}.jpg\t${i % 10_000 === 9_999 ? '' : i % 7 ? 'cat' : 'dog'}\t\tw${i % 3}\tAPPROVED`,
  },
  'toloka-aggregated': {
    header: 'INPUT:image\tOUTPUT:result\tCONFIDENCE:result',
    line: (i) => `img_${i}.jpg\t${i % 10_000 === 9_999 ? '' : 'cat'}\t97.5`,
  },
  'label-studio': {
    open: '[',
    close: ']',
    line: (i) =>
      `${i ? ',' : ''}${JSON.stringify({ id: i, data: { image: `s3://b/images/img_${i}.jpg` }, annotations: [1, 2, 3].map((u) => ({ completed_by: u, result: [{ value: { choices: [u === 3 ? 'Dog' : 'Cat'] } }] })) })}`,
  },
  'ground-truth-manifest': {
    line: (i) =>
      i % 10_000 === 9_999
        ? 'not json'
        : JSON.stringify({
            'source-ref': `s3://b/images/img_${i}.jpg`,
            pets: 0,
            'pets-metadata': { 'class-name': 'cat', confidence: 0.9 },
          }),
  },
  'model-monitor': {
    line: (i) =>
      JSON.stringify({
        groundTruthData: { data: i % 7 ? 'cat' : 'dog', encoding: 'CSV' },
        eventMetadata: { eventId: `img_${i}.jpg` },
        eventVersion: '0',
      }),
  },
};

async function writeFile(file: string, format: LabelFormat, bytes: number) {
  const spec = LINES[format];
  const out = createWriteStream(file);
  let written = 0;
  const write = (s: string) => {
    written += Buffer.byteLength(s);
    return out.write(s)
      ? Promise.resolve()
      : new Promise<void>((r) => out.once('drain', () => r()));
  };
  if (spec.header) await write(`${spec.header}\n`);
  if (spec.open) await write(spec.open);
  for (let i = 0; written < bytes; i++)
    await write(format === 'label-studio' ? spec.line(i) : `${spec.line(i)}\n`);
  if (spec.close) await write(spec.close);
  await new Promise<void>((r) => out.end(() => r()));
}

async function child(file: string, format: LabelFormat) {
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 50);
  const table = new VoteTable();
  let issues = 0;
  let firstIssue = '';
  for await (const parsed of parseLabels(
    createReadStream(file, { highWaterMark: 1 << 16 }),
    format,
  )) {
    if (parsed.kind === 'row') table.add(parsed.row);
    else if (parsed.kind === 'issue') {
      issues++;
      firstIssue ||= `line ${parsed.issue.line}: ${parsed.issue.message}`;
    }
  }
  const result = aggregateVotes(table, { method: 'majority-vote' });
  peak = Math.max(peak, process.memoryUsage().rss);
  clearInterval(timer);
  console.log(
    JSON.stringify({
      votes: table.voteCount,
      items: result.consensus.length,
      issues,
      firstIssue,
      growthMb: (peak - baseline) / 2 ** 20,
    }),
  );
}

async function main() {
  const i = args.indexOf('--child');
  if (i >= 0) return child(args[i + 1] as string, args[i + 2] as LabelFormat);
  const dir = await mkdtemp(path.join(tmpdir(), 'driftwatch-labels-'));
  const self = fileURLToPath(import.meta.url);
  let ok = true;
  console.log(
    `| format | file | votes | items | bad rows (first) | peak RSS growth |\n|---|---:|---:|---:|---|---:|`,
  );
  try {
    for (const format of Object.keys(LINES) as LabelFormat[]) {
      const file = path.join(dir, `labels.${format}`);
      await writeFile(file, format, MB * 2 ** 20);
      const size = (await stat(file)).size / 2 ** 20;
      const run = spawnSync(process.execPath, ['--import', 'tsx', self, '--child', file, format], {
        encoding: 'utf8',
        maxBuffer: 1 << 20,
      });
      if (run.status !== 0) throw new Error(run.stderr);
      const r = JSON.parse(run.stdout.trim().split('\n').pop() as string);
      ok &&= r.growthMb < 200;
      console.log(
        `| ${format} | ${size.toFixed(0)} MB | ${r.votes.toLocaleString()} | ${r.items.toLocaleString()} | ${r.issues} (${r.firstIssue || '–'}) | ${r.growthMb.toFixed(0)} MB |`,
      );
      await rm(file);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  if (!ok) process.exitCode = 1;
}

await main();
