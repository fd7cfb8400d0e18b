import { Readable } from 'node:stream';
import { parse as parseCsv } from 'csv-parse';
import { parseBoundedJson } from '../util/bounded-json.ts';
import { truncateText } from '../util/bounded-text.ts';
import { boundedLines, withoutLongLines } from './bounded-lines.ts';
import { checkedRow as checked, labelText as text } from './label-fields.ts';
import { MAX_RECORD_BYTES } from './label-limits.ts';
import type { LabelFormat, LabelIssue, ParsedLabel } from './label-row.ts';
import { parseLabelStudio } from './parse-label-studio.ts';

export type LabelChunks = AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>;

/**
 * Streams a label file of the given format as normalised rows, issues (bad rows, with their line)
 * and dropped rows (rejected assignments, cancelled annotations). Never loads the whole file:
 * delimited text goes through csv-parse, JSON lines line by line, a Label Studio export (one JSON
 * array) element by element through stream-json. A line, record or task past the limits of
 * label-limits.ts is one issue and the rest of the file is still read; no issue quotes more than
 * the start of the user's text. Column rules and limits are in docs/labels.md.
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

async function* bytesOf(chunks: LabelChunks): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) yield typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
}

const tooLong = (line: { number: number; length: number }): LabelIssue => ({
  line: line.number,
  message: `line longer than ${MAX_RECORD_BYTES} bytes (${line.length}); skipped`,
});

/** Tab, semicolon or comma, whichever the header line uses most. */
function detectDelimiter(headerLine: string): string {
  const count = (c: string) => headerLine.split(c).length - 1;
  return [',', '\t', ';'].sort((a, b) => count(b) - count(a))[0] as string;
}

async function* parseDelimited(
  chunks: LabelChunks,
  format: LabelFormat,
): AsyncGenerator<ParsedLabel> {
  // Lines are cut at MAX_RECORD_BYTES before csv-parse sees them: csv-parse's own max_record_size
  // stops the whole parse (even with skip_records_with_error), a too-long line skipped here does not.
  const skipped: LabelIssue[] = [];
  const guarded = withoutLongLines(bytesOf(chunks), MAX_RECORD_BYTES, (line) => {
    skipped.push(tooLong(line));
  });
  // Hold the pieces up to the first newline: the delimiter is decided from the header line.
  const head: Buffer[] = [];
  let next = await guarded.next();
  while (!next.done) {
    head.push(next.value);
    if (next.value.includes(10)) break;
    next = await guarded.next();
  }
  if (skipped[0]?.line === 1) {
    const message = `the header line is longer than ${MAX_RECORD_BYTES} bytes; the file cannot be read`;
    yield { kind: 'issue', issue: { line: 1, message } };
    return;
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
      if (!next.done) yield* guarded;
    })(),
  ).pipe(
    parseCsv({
      bom: true,
      delimiter: detectDelimiter(headerLine),
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      // A backstop for a quoted field spanning many lines; its error ends the parse.
      max_record_size: MAX_RECORD_BYTES,
      info: true,
    }),
  );
  const skippedIssues = function* () {
    for (const issue of skipped.splice(0)) yield { kind: 'issue' as const, issue };
  };

  let header: string[] | undefined;
  let mapRow: ((cells: string[], line: number) => ParsedLabel) | undefined;
  try {
    for await (const { record, info } of csv as AsyncIterable<{
      record: string[];
      info: { lines: number };
    }>) {
      yield* skippedIssues();
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
    yield* skippedIssues();
  } catch (error) {
    yield* skippedIssues();
    const e = error as { lines?: number; message: string };
    yield {
      kind: 'issue',
      issue: { line: e.lines ?? 0, message: `unreadable from here on: ${truncateText(e.message)}` },
    };
  }
}

/** A header quoted in an error: each name and the whole list cut short. */
const quoteHeader = (header: readonly string[]) =>
  truncateText(header.map((h) => truncateText(h, 40)).join(', '), 300);

type RowMapper = { error: string } | { map: (cells: string[], line: number) => ParsedLabel };

function genericMapper(header: readonly string[]): RowMapper {
  const item = findColumn(header, ITEM_COLUMNS);
  const label = findColumn(header, LABEL_COLUMNS);
  if (item < 0 || label < 0) {
    return {
      error: `cannot find ${item < 0 ? 'an image column' : 'a label column'} in the header (${quoteHeader(header)}); expected one of ${(item < 0 ? ITEM_COLUMNS : LABEL_COLUMNS).join(', ')}`,
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
      error: `a Toloka file needs INPUT: and OUTPUT: columns (header: ${quoteHeader(header)})`,
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

async function* parseJsonLines(
  chunks: LabelChunks,
  format: LabelFormat,
): AsyncGenerator<ParsedLabel> {
  for await (const line of boundedLines(bytesOf(chunks), MAX_RECORD_BYTES)) {
    if (line.kind === 'too-long') {
      yield { kind: 'issue', issue: tooLong(line) };
      continue;
    }
    const { number } = line;
    const decoded = line.bytes.toString('utf8');
    const trimmed = (number === 1 ? decoded.replace(/^\uFEFF/, '') : decoded).trim();
    if (!trimmed) continue;
    const parsed = parseBoundedJson(trimmed);
    if (!parsed.ok) {
      yield { kind: 'issue', issue: { line: number, message: parsed.reason } };
      continue;
    }
    const value = parsed.value;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      yield { kind: 'issue', issue: { line: number, message: 'expected a JSON object' } };
      continue;
    }
    const o = value as Record<string, unknown>;
    try {
      if (format === 'ground-truth-manifest') yield groundTruthRow(o, number);
      else if (format === 'model-monitor') yield modelMonitorRow(o, number);
      else yield genericJsonRow(o, number);
    } catch (error) {
      // A value of an unexpected shape stays with its line.
      const message = `could not be read: ${truncateText((error as Error).message)}`;
      yield { kind: 'issue', issue: { line: number, message } };
    }
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
    const parsed = parseBoundedJson(label);
    if (!parsed.ok)
      return {
        kind: 'issue',
        issue: { line, message: `groundTruthData.data is ${parsed.reason}` },
      };
    const value = parsed.value;
    label =
      typeof value === 'object' && value !== null ? text(Object.values(value)[0]) : text(value);
  } else if (label.includes(',')) {
    label = text(label.split(',')[0]);
  }
  return checked({ item: text(meta?.inferenceId ?? meta?.eventId), label, line });
}
