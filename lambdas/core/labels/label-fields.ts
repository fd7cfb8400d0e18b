import { truncateText } from '../util/bounded-text.ts';
import { MAX_ITEM_CHARS, MAX_LABEL_CHARS } from './label-limits.ts';
import type { ParsedLabel } from './label-row.ts';

/** A cell or JSON value as trimmed text; empty for null and undefined. */
export const labelText = (value: unknown) =>
  value === undefined || value === null ? '' : String(value).trim();

/** Characters of an image name quoted in an issue. */
const QUOTED_ITEM_CHARS = 80;

/**
 * A row, or the issue that keeps it out: no image, no label, or a name past its length cap (the
 * issue quotes at most the start of it).
 */
export function checkedRow(row: {
  item: string;
  label: string;
  annotator?: string | undefined;
  goldLabel?: string | undefined;
  confidence?: number | undefined;
  line: number;
}): ParsedLabel {
  const issue = (message: string): ParsedLabel => ({
    kind: 'issue',
    issue: { line: row.line, message },
  });
  if (!row.item) return issue('no image');
  const item = truncateText(row.item, QUOTED_ITEM_CHARS);
  if (row.item.length > MAX_ITEM_CHARS)
    return issue(`image name longer than ${MAX_ITEM_CHARS} characters (${item})`);
  if (!row.label) return issue(`no label for ${item}`);
  for (const [field, value] of [
    ['label', row.label],
    ['annotator', row.annotator],
    ['gold label', row.goldLabel],
  ] as const) {
    if (value !== undefined && value.length > MAX_LABEL_CHARS)
      return issue(`${field} longer than ${MAX_LABEL_CHARS} characters for ${item}`);
  }
  return { kind: 'row', row };
}
