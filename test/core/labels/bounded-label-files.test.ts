import { describe, expect, it } from 'vitest';
import { detectLabelFormat } from '../../../lambdas/core/labels/detect-format.ts';
import { MAX_RECORD_BYTES } from '../../../lambdas/core/labels/label-limits.ts';
import type { LabelFormat, ParsedLabel } from '../../../lambdas/core/labels/label-row.ts';
import { parseLabels } from '../../../lambdas/core/labels/parse-labels.ts';

async function parse(content: string | Buffer, format?: LabelFormat, chunkSize = 64 * 1024) {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += chunkSize) chunks.push(bytes.subarray(i, i + chunkSize));
  const detected = format ?? detectLabelFormat(bytes.subarray(0, 4096).toString('utf8'));
  const out: ParsedLabel[] = [];
  for await (const p of parseLabels(chunks, detected)) out.push(p);
  return {
    rows: out.flatMap((p) => (p.kind === 'row' ? [[p.row.item, p.row.label, p.row.line]] : [])),
    issues: out.flatMap((p) => (p.kind === 'issue' ? [p.issue] : [])),
  };
}

const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const longest = (issues: readonly { message: string }[]) =>
  Math.max(0, ...issues.map((i) => i.message.length));

describe('label files past the limits (docs/labels.md#limits)', () => {
  it('skips a deeply nested JSON line by its number and keeps the lines around it', async () => {
    const file = [
      '{"image":"a.jpg","label":"cat"}',
      `{"image":${nested(100_000)},"label":"dog"}`,
      '{"image":"c.jpg","label":"dog"}',
    ].join('\n');
    const { rows, issues } = await parse(file);
    expect(rows).toEqual([
      ['a.jpg', 'cat', 1],
      ['c.jpg', 'dog', 3],
    ]);
    expect(issues).toEqual([{ line: 2, message: expect.stringContaining('nested deeper than') }]);
  });

  it('skips a deeply nested Label Studio task and keeps the tasks after it', async () => {
    const task = (image: string, choice: string) =>
      `{"data":{"image":"${image}"},"annotations":[{"completed_by":1,"result":[{"type":"choices","value":{"choices":["${choice}"]}}]}]}`;
    const deep = `{"data":{"image":"b.jpg"},"annotations":[{"completed_by":1,"result":[{"value":{"choices":[${nested(100_000)}]}}]}]}`;
    const file = `[${[task('a.jpg', 'cat'), deep, task('c.jpg', 'dog'), task('d.jpg', 'cat')].join(',\n')}]`;
    const { rows, issues } = await parse(file);
    expect(rows).toEqual([
      ['a.jpg', 'cat', 1],
      ['c.jpg', 'dog', 3],
      ['d.jpg', 'cat', 4],
    ]);
    expect(issues).toEqual([{ line: 2, message: expect.stringContaining('nested deeper than') }]);
  });

  it('skips a Label Studio task of the wrong shape and keeps the tasks after it', async () => {
    const file = JSON.stringify([
      { data: { image: 'a.jpg' }, annotations: [{ result: [{ value: { choices: ['cat'] } }] }] },
      { data: { image: 'b.jpg' }, annotations: { not: 'a list' } },
      { data: { image: 'c.jpg' }, annotations: [{ result: [{ value: { choices: ['dog'] } }] }] },
    ]);
    const { rows, issues } = await parse(file);
    expect(rows.map((r) => r[0])).toEqual(['a.jpg', 'c.jpg']);
    expect(issues.map((i) => i.line)).toEqual([2]);
  });

  it('skips a Label Studio task larger than the record limit, streaming past it', async () => {
    const big = `{"data":{"image":"b.jpg","note":"${'x'.repeat(MAX_RECORD_BYTES + 10)}"},"annotations":[]}`;
    const file = `[{"data":{"image":"a.jpg"},"annotations":[{"result":[{"value":{"choices":["cat"]}}]}]},${big},{"data":{"image":"c.jpg"},"annotations":[{"result":[{"value":{"choices":["dog"]}}]}]}]`;
    const { rows, issues } = await parse(file);
    expect(rows.map((r) => r[0])).toEqual(['a.jpg', 'c.jpg']);
    expect(issues).toEqual([{ line: 2, message: expect.stringContaining('larger than') }]);
  });

  it('refuses a CSV header line longer than the limit in one short message', async () => {
    const header = `image,label,${'h'.repeat(MAX_RECORD_BYTES + 1)}`;
    const { rows, issues } = await parse(header, 'csv');
    expect(rows).toEqual([]);
    expect(issues).toHaveLength(1);
    expect(issues[0]?.line).toBe(1);
    expect(longest(issues)).toBeLessThan(300);
  });

  it('never quotes a long unrecognised header whole', async () => {
    const { issues } = await parse(`${'col'.repeat(50_000)},other\na,b\n`, 'csv');
    expect(issues).toHaveLength(1);
    expect(issues[0]?.message).toContain('more characters]');
    expect(longest(issues)).toBeLessThan(600);
  });

  it('skips an over-long CSV line by its number and keeps the lines after it', async () => {
    const file = `image,label\na.jpg,cat\nb.jpg,${'x'.repeat(MAX_RECORD_BYTES)}\nc.jpg,dog\n`;
    const { rows, issues } = await parse(file, 'csv');
    expect(rows).toEqual([
      ['a.jpg', 'cat', 2],
      ['c.jpg', 'dog', 4],
    ]);
    expect(issues).toEqual([{ line: 3, message: expect.stringContaining('longer than') }]);
  });

  it('skips an over-long JSON line and keeps the lines after it', async () => {
    const file = [
      '{"image":"a.jpg","label":"cat"}',
      `{"image":"b.jpg","label":"dog","note":"${'x'.repeat(MAX_RECORD_BYTES)}"}`,
      '{"image":"c.jpg","label":"dog"}',
    ].join('\n');
    const { rows, issues } = await parse(file);
    expect(rows.map((r) => r[2])).toEqual([1, 3]);
    expect(issues).toEqual([{ line: 2, message: expect.stringContaining('longer than') }]);
  });

  it('refuses a label or an image name past its length cap without quoting it whole', async () => {
    const file = `image,label\na.jpg,${'c'.repeat(5000)}\n${'d'.repeat(5000)}.jpg,dog\ne.jpg,cat\n`;
    const { rows, issues } = await parse(file, 'csv');
    expect(rows).toEqual([['e.jpg', 'cat', 4]]);
    expect(issues.map((i) => i.line)).toEqual([2, 3]);
    expect(longest(issues)).toBeLessThan(300);
  });
});
