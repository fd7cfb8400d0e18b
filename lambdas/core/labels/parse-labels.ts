import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { parse as parseCsv } from 'csv-parse';
import streamArray from 'stream-json/streamers/stream-array.js';
import type { LabelFormat, ParsedLabel } from './label-row.ts';

export type LabelChunks = AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>;

/**
 * Streams a label file of the given format as normalised rows, issues (bad rows, with their line)
 * and dropped rows (rejected assignments, cancelled annotations). Never loads the whole file:
 * delimited text goes through csv-parse, JSON lines line by line, a Label Studio export (one JSON
 * array) element by element through stream-json. Column rules are in docs/labels.md.
 */
export async function* parseLabels(
  chunks: LabelChunks,
  format: LabelFormat,
): AsyncGenerator<ParsedLabel> {
  switch (format) {
    case 'csv':
    case 'toloka-results':
    case 'toloka-aggregated':
      yield* parseDelimited(chunks, format);
      return;
    case 'label-studio':
      yield* parseLabelStudio(chunks);
      return;
    default:
      yield* parseJsonLines(chunks, format);
  }
}

const ITEM_COLUMNS = [
  'image',
  'item',
  'key',
  'file',
  'filename',
  'file_name',
  'path',
  'image_path',
  'url',
  'image_url',
  's3_uri',
  'source-ref',
  'task',
  'inference_id',
  'inferenceid',
];
const LABEL_COLUMNS = [
  'label',
  'class',
  'answer',
  'annotation',
  'category',
  'ground_truth',
  'truth',
  'result',
  'class-name',
];
const ANNOTATOR_COLUMNS = [
  'annotator',
  'worker',
  'worker_id',
  'workerid',
  'user',
  'user_id',
  'labeler',
  'labeller',
  'rater',
];
const CONFIDENCE_COLUMNS = ['confidence', 'score'];
const GOLD_COLUMNS = ['gold', 'golden', 'gold_label', 'golden_label'];

const findColumn = (header: readonly string[], names: readonly string[]) =>
  header.findIndex((h) => names.includes(h.trim().toLowerCase()));

/** Confidence as 0–1: Toloka writes percentages. */
function toConfidence(raw: unknown): number | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  const value = typeof raw === 'number' ? raw : Number(String(raw).replace('%', ''));
  if (!Number.isFinite(value) || value < 0) return undefined;
  return value > 1 ? Math.min(1, value / 100) : value;
}

const text = (value: unknown) =>
  value === undefined || value === null ? '' : String(value).trim();

const asBuffer = (chunk: Uint8Array | string) =>
  typeof chunk === 'string' ? Buffer.from(chunk) : chunk;

function chunkStream(chunks: LabelChunks): Readable {
  return Readable.from(
    (async function* () {
      for await (const chunk of chunks) yield asBuffer(chunk);
    })(),
  );
}

/** Tab, semicolon or comma, whichever the header line uses most. */
function detectDelimiter(headerLine: string): string {
  const count = (c: string) => headerLine.split(c).length - 1;
  return [',', '\t', ';'].sort((a, b) => count(b) - count(a))[0] as string;
}

async function* parseDelimited(
  chunks: LabelChunks,
  format: LabelFormat,
): AsyncGenerator<ParsedLabel> {
  const source = chunkStream(chunks);
  const iterator = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  // Buffer until the header line is complete: the delimiter is decided from it.
  const head: Buffer[] = [];
  let next = await iterator.next();
  while (!next.done) {
    head.push(next.value);
    if (next.value.includes(10)) break;
    next = await iterator.next();
  }
  if (head.length === 0) return;
  const headerLine =
    Buffer.concat(head)
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .split(/\r?\n/, 1)[0] ?? '';
  const csv = Readable.from(
    (async function* () {
      yield* head;
      if (next.done) return;
      for (let more = await iterator.next(); !more.done; more = await iterator.next())
        yield more.value;
    })(),
  ).pipe(
    parseCsv({
      bom: true,
      delimiter: detectDelimiter(headerLine),
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      info: true,
    }),
  );

  let header: string[] | undefined;
  let mapRow: ((cells: string[], line: number) => ParsedLabel) | undefined;
  try {
    for await (const { record, info } of csv as AsyncIterable<{
      record: string[];
      info: { lines: number };
    }>) {
      if (!header) {
        header = record.map((h) => h.trim());
        const mapper = format === 'csv' ? genericMapper(header) : tolokaMapper(header, format);
        if ('error' in mapper) {
          yield { kind: 'issue', issue: { line: info.lines, message: mapper.error } };
          return;
        }
        mapRow = mapper.map;
        continue;
      }
      yield (mapRow as NonNullable<typeof mapRow>)(record, info.lines);
    }
  } catch (error) {
    const e = error as { lines?: number; message: string };
    yield {
      kind: 'issue',
      issue: { line: e.lines ?? 0, message: `unreadable from here on: ${e.message}` },
    };
  }
}

type RowMapper = { error: string } | { map: (cells: string[], line: number) => ParsedLabel };

function genericMapper(header: readonly string[]): RowMapper {
  const item = findColumn(header, ITEM_COLUMNS);
  const label = findColumn(header, LABEL_COLUMNS);
  if (item < 0 || label < 0) {
    return {
      error: `cannot find ${item < 0 ? 'an image column' : 'a label column'} in the header (${header.join(', ')}); expected one of ${(item < 0 ? ITEM_COLUMNS : LABEL_COLUMNS).join(', ')}`,
    };
  }
  const annotator = findColumn(header, ANNOTATOR_COLUMNS);
  const confidence = findColumn(header, CONFIDENCE_COLUMNS);
  const gold = findColumn(header, GOLD_COLUMNS);
  return {
    map: (cells: string[], line: number): ParsedLabel => {
      const row = {
        item: text(cells[item]),
        label: text(cells[label]),
        annotator: annotator >= 0 ? text(cells[annotator]) || undefined : undefined,
        confidence: confidence >= 0 ? toConfidence(cells[confidence]) : undefined,
        goldLabel: gold >= 0 ? text(cells[gold]) || undefined : undefined,
        line,
      };
      return checked(row);
    },
  };
}

function tolokaMapper(header: readonly string[], format: LabelFormat): RowMapper {
  const input =
    header.indexOf('INPUT:image') >= 0
      ? header.indexOf('INPUT:image')
      : header.findIndex((h) => h.startsWith('INPUT:'));
  const output = header.findIndex((h) => h.startsWith('OUTPUT:'));
  if (input < 0 || output < 0)
    return {
      error: `a Toloka file needs INPUT: and OUTPUT: columns (header: ${header.join(', ')})`,
    };
  const field = (header[output] as string).slice('OUTPUT:'.length);
  const golden = header.indexOf(`GOLDEN:${field}`);
  const confidence = header.indexOf(`CONFIDENCE:${field}`);
  const worker = header.indexOf('ASSIGNMENT:worker_id');
  const status = header.indexOf('ASSIGNMENT:status');
  return {
    map: (cells: string[], line: number): ParsedLabel => {
      if (status >= 0 && text(cells[status]).toUpperCase() === 'REJECTED')
        return { kind: 'dropped', reason: 'rejected assignment' };
      return checked({
        item: text(cells[input]),
        label: text(cells[output]),
        annotator: format === 'toloka-results' ? text(cells[worker]) || undefined : undefined,
        goldLabel: golden >= 0 ? text(cells[golden]) || undefined : undefined,
        confidence: confidence >= 0 ? toConfidence(cells[confidence]) : undefined,
        line,
      });
    },
  };
}

function checked(row: {
  item: string;
  label: string;
  annotator?: string | undefined;
  goldLabel?: string | undefined;
  confidence?: number | undefined;
  line: number;
}): ParsedLabel {
  if (!row.item) return { kind: 'issue', issue: { line: row.line, message: 'no image' } };
  if (!row.label)
    return { kind: 'issue', issue: { line: row.line, message: `no label for ${row.item}` } };
  return { kind: 'row', row };
}

async function* lines(chunks: LabelChunks): AsyncGenerator<{ line: string; number: number }> {
  const reader = createInterface({
    input: chunkStream(chunks),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let number = 0;
  for await (const line of reader) {
    number++;
    const trimmed = (number === 1 ? line.replace(/^\uFEFF/, '') : line).trim();
    if (trimmed) yield { line: trimmed, number };
  }
}

async function* parseJsonLines(
  chunks: LabelChunks,
  format: LabelFormat,
): AsyncGenerator<ParsedLabel> {
  for await (const { line, number } of lines(chunks)) {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      yield { kind: 'issue', issue: { line: number, message: 'not valid JSON' } };
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      yield { kind: 'issue', issue: { line: number, message: 'expected a JSON object' } };
      continue;
    }
    const o = value as Record<string, unknown>;
    if (format === 'ground-truth-manifest') yield groundTruthRow(o, number);
    else if (format === 'model-monitor') yield modelMonitorRow(o, number);
    else yield genericJsonRow(o, number);
  }
}

function pick(o: Record<string, unknown>, names: readonly string[]): unknown {
  for (const [k, v] of Object.entries(o)) if (names.includes(k.toLowerCase())) return v;
  return undefined;
}

function genericJsonRow(o: Record<string, unknown>, line: number): ParsedLabel {
  const gold = pick(o, GOLD_COLUMNS);
  return checked({
    item: text(pick(o, ITEM_COLUMNS)),
    label: text(pick(o, LABEL_COLUMNS)),
    annotator: text(pick(o, ANNOTATOR_COLUMNS)) || undefined,
    confidence: toConfidence(pick(o, CONFIDENCE_COLUMNS)),
    goldLabel: typeof gold === 'string' ? gold : undefined,
    line,
  });
}

/** SageMaker Ground Truth output manifest: {"source-ref": …, "<attr>": 0, "<attr>-metadata": {"class-name": …}}. */
function groundTruthRow(o: Record<string, unknown>, line: number): ParsedLabel {
  const metadataKey = Object.keys(o).find(
    (k) => k.endsWith('-metadata') && typeof o[k] === 'object',
  );
  const metadata = (metadataKey ? o[metadataKey] : undefined) as
    | Record<string, unknown>
    | undefined;
  if (metadata && !('class-name' in metadata) && 'class-map' in metadata) {
    return {
      kind: 'issue',
      issue: {
        line,
        message: 'multi-label Ground Truth jobs are not supported (one class per image)',
      },
    };
  }
  return checked({
    item: text(o['source-ref']),
    label: text(metadata?.['class-name']),
    confidence: toConfidence(metadata?.confidence),
    line,
  });
}

/** SageMaker Model Monitor ground truth: {"groundTruthData": {"data": …, "encoding": "CSV"}, "eventMetadata": {"eventId": …}}. */
function modelMonitorRow(o: Record<string, unknown>, line: number): ParsedLabel {
  const data = o.groundTruthData as { data?: unknown; encoding?: string } | undefined;
  const meta = o.eventMetadata as { eventId?: unknown; inferenceId?: unknown } | undefined;
  let label = text(data?.data);
  if (data?.encoding === 'JSON') {
    try {
      const parsed = JSON.parse(label) as unknown;
      label =
        typeof parsed === 'object' && parsed !== null
          ? text(Object.values(parsed)[0])
          : text(parsed);
    } catch {
      return { kind: 'issue', issue: { line, message: 'groundTruthData.data is not valid JSON' } };
    }
  } else if (label.includes(',')) {
    label = text(label.split(',')[0]);
  }
  return checked({ item: text(meta?.inferenceId ?? meta?.eventId), label, line });
}

/**
 * Iterates a stream's objects so that items parsed before an error are still delivered (an async
 * iterator over a failed stream drops what it had buffered). Pauses the stream while 1,000 items
 * wait, so a large export stays streamed.
 */
async function* drain<T>(stream: NodeJS.ReadableStream): AsyncGenerator<T> {
  const queue: T[] = [];
  let failure: Error | undefined;
  let ended = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  stream.on('data', (item: T) => {
    queue.push(item);
    if (queue.length >= 1000) stream.pause();
    notify();
  });
  stream.on('error', (error: Error) => {
    failure = error;
    notify();
  });
  stream.on('end', () => {
    ended = true;
    notify();
  });
  for (;;) {
    const item = queue.shift();
    if (item !== undefined) {
      if (queue.length < 100 && stream.isPaused()) stream.resume();
      yield item;
    } else if (failure) {
      throw failure;
    } else if (ended) {
      return;
    } else {
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  }
}

interface LabelStudioTask {
  data?: Record<string, unknown>;
  annotations?: LabelStudioAnnotation[];
  completions?: LabelStudioAnnotation[];
}
interface LabelStudioAnnotation {
  completed_by?: number | string | { id?: number | string; email?: string };
  id?: number | string;
  was_cancelled?: boolean;
  ground_truth?: boolean;
  result?: { type?: string; value?: { choices?: string[]; taxonomy?: string[][] } }[];
}

/** Label Studio JSON export: one array of tasks, each with an `annotations` (old: `completions`) list. */
async function* parseLabelStudio(chunks: LabelChunks): AsyncGenerator<ParsedLabel> {
  const stream = Readable.from(
    (async function* () {
      for await (const c of chunks) yield typeof c === 'string' ? Buffer.from(c) : c;
    })(),
  ).pipe(streamArray.withParserAsStream());
  try {
    for await (const { key, value } of drain<{ key: number; value: LabelStudioTask }>(stream)) {
      const line = key + 1;
      const data = value?.data ?? {};
      const item = text(data.image ?? Object.values(data).find((v) => typeof v === 'string'));
      const annotations = (value?.annotations ?? value?.completions ?? []).filter((a) => {
        return !a.was_cancelled;
      });
      const choice = (a: LabelStudioAnnotation) => {
        const r = a.result?.find((x) => x.value?.choices?.length || x.value?.taxonomy?.length);
        return text(r?.value?.choices?.[0] ?? r?.value?.taxonomy?.[0]?.at(-1));
      };
      const gold = annotations.find((a) => a.ground_truth);
      const goldLabel = gold ? choice(gold) || undefined : undefined;
      if (annotations.length === 0) {
        yield { kind: 'dropped', reason: 'task without (non-cancelled) annotations' };
        continue;
      }
      for (const a of annotations) {
        if (a === gold) continue;
        const by =
          typeof a.completed_by === 'object'
            ? (a.completed_by.id ?? a.completed_by.email)
            : a.completed_by;
        yield checked({
          item,
          label: choice(a),
          annotator: text(by ?? a.id) || undefined,
          goldLabel,
          line,
        });
      }
      if (gold && annotations.length === 1)
        yield checked({ item, label: goldLabel ?? '', annotator: 'ground-truth', line });
    }
  } catch (error) {
    yield {
      kind: 'issue',
      issue: { line: 0, message: `the JSON array is malformed: ${(error as Error).message}` },
    };
  }
}
