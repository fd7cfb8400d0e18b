/**
 * Ingests a ~100 MB label file of every supported format through the whole ingest-labels use case
 * (two streaming passes, vote table, aggregation, batched join, per-day recompute and manifest) in
 * a child process, and reports its peak RSS growth (target: under 200 MB) and the rows kept and
 * rejected (a bad row every 10,000 lines). The stores are stand-ins sized like DynamoDB's, not the
 * local demo's: predictions are derived from the image name (7 days, cat or dog) and labels are
 * appended to per-day JSON-lines files and streamed back. Files are generated under the OS temp dir.
 *
 *   npx tsx eval/label-memory.ts [--mb 100] [--formats csv,toloka-aggregated] [--json]
 */
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { appendFile, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { FileNightStore } from '../lambdas/adapters/local/file-night-store.ts';
import { FileNotifier } from '../lambdas/adapters/local/file-notifier.ts';
import { DEFAULT_MONITOR_CONFIG } from '../lambdas/core/drift/monitor-config.ts';
import type { LabelFormat } from '../lambdas/core/labels/label-row.ts';
import type { LabelledImage } from '../lambdas/core/labels/labelled-image.ts';
import { fingerprint } from '../lambdas/core/labels/name-index.ts';
import type { PerformanceRecord } from '../lambdas/core/performance/performance-record.ts';
import type { LabelStore } from '../lambdas/ports/label-store.ts';
import type { PredictionIndex } from '../lambdas/ports/prediction-index.ts';
import { ingestLabels } from '../lambdas/use-cases/ingest-labels.ts';
import { optionalOption } from './options.ts';

const args = process.argv.slice(2);
const MB = Number(optionalOption(args, 'mb')) || 100;

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

/** Predictions derived from the name: no memory per image, as a DynamoDB lookup would hold. */
const derivedPredictions: PredictionIndex = {
  async lookup(_dataset, refs) {
    return refs.map((ref) => {
      const [h] = fingerprint(ref.fileName);
      return {
        status: 'matched',
        record: {
          key: ref.key ?? ref.fileName,
          day: `day_${(h % 7) + 1}`,
          prediction: h & 8 ? 'cat' : 'dog',
        },
      };
    });
  },
  imagesOnDay: async () => 0,
};

/** Labels appended to one JSON-lines file per day and streamed back, as DynamoDB pages would be. */
function appendingLabelStore(dir: string): LabelStore {
  const performance = new Map<string, PerformanceRecord>();
  const dayFile = (day: string) => path.join(dir, `${day}.jsonl`);
  return {
    async saveLabels(_dataset, labelled) {
      const byDay = new Map<string, string[]>();
      for (const l of labelled) byDay.set(l.day, [...(byDay.get(l.day) ?? []), JSON.stringify(l)]);
      for (const [day, lines] of byDay) await appendFile(dayFile(day), `${lines.join('\n')}\n`);
    },
    async *labelsForDay(_dataset, day) {
      for await (const line of createInterface({ input: createReadStream(dayFile(day)) }))
        yield JSON.parse(line) as LabelledImage;
    },
    async savePerformance(record) {
      performance.set(record.day, record);
    },
    loadPerformance: async (_dataset, day) => performance.get(day),
    listPerformanceDays: async () => [...performance.keys()],
    async writeManifest(_dataset, day, labelled) {
      const out = createWriteStream(path.join(dir, `${day}.manifest.jsonl`));
      for await (const l of labelled) if (!out.write(`${l.key}\n`)) await once(out, 'drain');
      await new Promise<void>((resolve) => out.end(() => resolve()));
    },
  };
}

async function child(file: string, format: LabelFormat) {
  const work = await mkdtemp(path.join(tmpdir(), 'driftwatch-ingest-'));
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const summary = await ingestLabels(
    {
      dataset: 'pets',
      name: file,
      format,
      open: () => createReadStream(file, { highWaterMark: 1 << 16 }),
    },
    {
      predictions: derivedPredictions,
      labels: appendingLabelStore(work),
      nights: new FileNightStore(work),
      notifier: new FileNotifier(work),
      config: DEFAULT_MONITOR_CONFIG,
      now: () => new Date(),
    },
  );
  peak = Math.max(peak, process.memoryUsage().rss);
  clearInterval(timer);
  await rm(work, { recursive: true, force: true });
  const first = summary.issueExamples[0];
  console.log(
    JSON.stringify({
      rows: summary.rows,
      items: summary.items,
      labelled: summary.labelled,
      method: summary.method,
      issues: summary.issues,
      firstIssue: first ? `line ${first.line}: ${first.message}` : '',
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
  const json = args.includes('--json');
  if (!json)
    console.log(
      `| format | file | rows | items | labelled | method | bad rows (first) | peak RSS growth |\n|---|---:|---:|---:|---:|---|---|---:|`,
    );
  try {
    const formats = (optionalOption(args, 'formats')?.split(',') ??
      Object.keys(LINES)) as LabelFormat[];
    for (const format of formats) {
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
      if (json) console.log(JSON.stringify({ format, sizeMb: size, ...r }));
      else
        console.log(
          `| ${format} | ${size.toFixed(0)} MB | ${r.rows.toLocaleString()} | ${r.items.toLocaleString()} | ${r.labelled.toLocaleString()} | ${r.method} | ${r.issues} (${r.firstIssue || '–'}) | ${r.growthMb.toFixed(0)} MB |`,
        );
      await rm(file);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  if (!ok) process.exitCode = 1;
}

await main();
