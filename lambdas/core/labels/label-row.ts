/** One annotation, whatever the export format: the normalised form every parser yields. */
export interface LabelRow {
  /** How the image is named in the file: S3 key, s3:// URL, object URL, relative path or file name. */
  readonly item: string;
  /** Who labelled it; undefined for formats that carry one (already aggregated) label per item. */
  readonly annotator?: string | undefined;
  readonly label: string;
  /** A control ("golden") task: the known answer is `goldLabel`; used for annotator skill, not scored. */
  readonly goldLabel?: string | undefined;
  /** The format's own confidence for this label (aggregated exports), 0–1. */
  readonly confidence?: number | undefined;
  /** 1-based line (or array element) in the file, for error messages. */
  readonly line: number;
}

/** A row that could not be used, with where and why. */
export interface LabelIssue {
  readonly line: number;
  readonly message: string;
}

export const LABEL_FORMATS = [
  'csv',
  'jsonl',
  'toloka-results',
  'toloka-aggregated',
  'label-studio',
  'ground-truth-manifest',
  'model-monitor',
] as const;
export type LabelFormat = (typeof LABEL_FORMATS)[number];

export type ParsedLabel =
  | { readonly kind: 'row'; readonly row: LabelRow }
  | { readonly kind: 'issue'; readonly issue: LabelIssue }
  | { readonly kind: 'dropped'; readonly reason: string };
