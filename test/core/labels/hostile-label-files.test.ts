import { describe, expect, it } from 'vitest';
import { aggregateVotes, consensusOf } from '../../../lambdas/core/labels/aggregate-votes.ts';
import { detectLabelFormat } from '../../../lambdas/core/labels/detect-format.ts';
import type { ParsedLabel } from '../../../lambdas/core/labels/label-row.ts';
import { parseLabels } from '../../../lambdas/core/labels/parse-labels.ts';
import { VoteTable } from '../../../lambdas/core/labels/vote-table.ts';

async function parse(content: string | Uint8Array, chunkSize = 7) {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += chunkSize) chunks.push(bytes.subarray(i, i + chunkSize));
  const format = detectLabelFormat(bytes.subarray(0, 4096).toString('utf8'));
  const out: ParsedLabel[] = [];
  for await (const p of parseLabels(chunks, format)) out.push(p);
  return {
    format,
    rows: out.flatMap((p) => (p.kind === 'row' ? [p.row] : [])),
    issues: out.flatMap((p) => (p.kind === 'issue' ? [p.issue] : [])),
  };
}

describe('hostile label files', () => {
  it('reads a CSV with a BOM, CRLF endings, quoted separators, embedded newlines and unknown columns', async () => {
    const csv =
      '\uFEFFnotes,image,extra,label\r\n"a, b",cat.1.jpg,x,cat\r\n"line one\r\nline two","dog, 2.jpg",y,dog\r\n';
    const { format, rows, issues } = await parse(csv);
    expect(format).toBe('csv');
    expect(issues).toEqual([]);
    expect(rows.map((r) => [r.item, r.label])).toEqual([
      ['cat.1.jpg', 'cat'],
      ['dog, 2.jpg', 'dog'],
    ]);
  });

  it('keeps valid rows around bytes that are not UTF-8', async () => {
    const bytes = Buffer.concat([
      Buffer.from('image,label\ncat.1.jpg,cat\n'),
      Buffer.from([0x63, 0xff, 0xfe, 0x2e, 0x6a, 0x70, 0x67, 0x2c, 0x64, 0x6f, 0x67, 0x0a]),
      Buffer.from('dog.1.jpg,dog\n'),
    ]);
    const { rows } = await parse(bytes);
    expect(rows.map((r) => r.label)).toEqual(['cat', 'dog', 'dog']);
    expect(rows[1]?.item).toContain('\uFFFD');
  });

  it('counts a duplicated row once and lets an annotator’s later answer replace the earlier one', async () => {
    const { rows } = await parse(
      'image,label,annotator\na.jpg,cat,w1\na.jpg,cat,w1\na.jpg,dog,w2\na.jpg,dog,w1\n',
    );
    const table = VoteTable.of(rows);
    expect(table.voteCount).toBe(2);
    expect(table.duplicates).toBe(2);
    expect(consensusOf(rows, aggregateVotes(table, { method: 'majority-vote' }))[0]).toMatchObject({
      label: 'dog',
      votes: 2,
    });
  });

  it('leaves an item with conflicting votes unlabelled under the skip tie policy', async () => {
    const { rows } = await parse('image,label,annotator\na.jpg,cat,w1\na.jpg,dog,w2\n');
    expect(
      consensusOf(rows, aggregateVotes(VoteTable.of(rows), { method: 'majority-vote' }))[0],
    ).toMatchObject({ label: undefined, tie: true });
  });

  it('reports malformed JSON lines and a broken Label Studio array with positions, keeping what came before', async () => {
    const jsonl = await parse(
      '{"image":"a.jpg","label":"cat"}\n{"image": "b.jpg", "label"\n[1,2]\n{"image":"c.jpg","label":"dog"}\n',
    );
    expect(jsonl.rows.map((r) => r.item)).toEqual(['a.jpg', 'c.jpg']);
    expect(jsonl.issues).toEqual([
      { line: 2, message: 'not valid JSON' },
      { line: 3, message: 'expected a JSON object' },
    ]);
    const task = {
      data: { image: 'a.jpg' },
      annotations: [{ completed_by: 1, result: [{ value: { choices: ['Cat'] } }] }],
    };
    const broken = await parse(
      `[${JSON.stringify(task)}, {"data": {"image": "b.jpg"}, "annotations": [`,
    );
    expect(broken.rows.map((r) => r.item)).toEqual(['a.jpg']);
    expect(broken.issues[0]?.message).toMatch(/malformed/);
  });

  it('explains a header without an image or label column instead of guessing', async () => {
    const { issues, rows } = await parse('photo;verdict\na.jpg;cat\n');
    expect(rows).toEqual([]);
    expect(issues[0]?.message).toMatch(/cannot find an image column/);
  });
});
