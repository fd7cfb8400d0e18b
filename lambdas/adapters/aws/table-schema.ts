/**
 * The single DynamoDB table: key names, item keys and the TTL attribute. The CDK stack and the
 * integration tests build the table from these same definitions.
 *
 * | item                       | pk                       | sk                     |
 * |----------------------------|--------------------------|------------------------|
 * | partial profile            | PARTIAL#<dataset>#<day>  | p#<commit time>#<hash> |
 * | rollup of settled partials | PARTIAL#<dataset>#<day>  | rollup                 |
 * | image record (prediction)  | IMAGE#<dataset>#<name>   | <s3 key>               |
 * | legacy image record        | IMAGE#<dataset>#<s3 key> | IMAGE                  |
 * | day profile                | DAY#<dataset>            | <day>                  |
 * | night record               | NIGHT#<dataset>          | <day>                  |
 * | digest claim               | DIGEST#<dataset>         | <day>                  |
 * | datasets active on a day   | ACTIVE#<day>             | <dataset>              |
 * | segments seen on a day     | SEGMENTS#<dataset>#<day> | <segment>              |
 * | label of an image          | LABELS#<dataset>#<day>   | <s3 key>               |
 * | performance of a day       | PERF#<dataset>           | <day>                  |
 *
 * A segment's partials, rollup and day profiles are the same items under the scope id
 * `<dataset>/<segment>` in place of `<dataset>` (PARTIAL#pets/cam07#2026-11-21), written in the
 * same transaction as the dataset's partial together with its SEGMENTS item (the day `reference`
 * has them too, for the segments its reference images carried). Segment names are sanitised to
 * letters, digits, `.`, `_` and `-`, so they never hold `#`; image records carry `segment`.
 *
 * An image record sits under its file name (`<name>`, the key's last path segment), so a label file
 * that names images by bare file name finds them with one Query on that partition (and sees when a
 * name is ambiguous), and a key is found by the key derived from it. Records also carry the claim
 * that counts them (`partialId`, `claimedAt`: dynamo-partial-committer.ts).
 *
 * Legacy image records (written before 2026-12, until their TTL) sit under the whole key and carry
 * `nameKey` = <dataset>#<file name>, indexed by the `byName` GSI; new records carry no `nameKey`,
 * so the index receives no writes. The index and the legacy fallbacks go one retention period
 * (`recordTtlDays`) after the upgrade (docs/operations.md).
 */
export const TABLE_SCHEMA = {
  partitionKey: 'pk',
  sortKey: 'sk',
  timeToLiveAttribute: 'expiresAt',
  nameIndex: {
    indexName: 'byName',
    partitionKey: 'nameKey',
    projected: ['key', 'day', 'prediction', 'confidence', 'expiresAt'],
  },
} as const;

const imagesNamed = (dataset: string, fileName: string) => `IMAGE#${dataset}#${fileName}`;

/** The file name of an S3 key: its last path segment (what a label file may name an image by). */
export const fileNameOf = (key: string) => key.slice(key.lastIndexOf('/') + 1);

// Keys use '#' as a separator; datasets and days never contain it (datasets are S3 key segments
// validated by routeKey, days are ISO dates or "reference"), but S3 keys may, so they come last.
export const keys = {
  partials: (dataset: string, day: string) => `PARTIAL#${dataset}#${day}`,
  image: (dataset: string, key: string) => ({
    pk: imagesNamed(dataset, fileNameOf(key)),
    sk: key,
  }),
  imagesNamed: (dataset: string, fileName: string) => imagesNamed(dataset, fileName),
  legacyImage: (dataset: string, key: string) => ({ pk: `IMAGE#${dataset}#${key}`, sk: 'IMAGE' }),
  day: (dataset: string, day: string) => ({ pk: `DAY#${dataset}`, sk: day }),
  days: (dataset: string) => `DAY#${dataset}`,
  night: (dataset: string, day: string) => ({ pk: `NIGHT#${dataset}`, sk: day }),
  digest: (dataset: string, day: string) => ({ pk: `DIGEST#${dataset}`, sk: day }),
  active: (day: string, dataset: string) => ({ pk: `ACTIVE#${day}`, sk: dataset }),
  activeOn: (day: string) => `ACTIVE#${day}`,
  segment: (dataset: string, day: string, segment: string) => ({
    pk: `SEGMENTS#${dataset}#${day}`,
    sk: segment,
  }),
  segmentsOn: (dataset: string, day: string) => `SEGMENTS#${dataset}#${day}`,
  label: (dataset: string, day: string, key: string) => ({
    pk: `LABELS#${dataset}#${day}`,
    sk: key,
  }),
  labelsOn: (dataset: string, day: string) => `LABELS#${dataset}#${day}`,
  performance: (dataset: string, day: string) => ({ pk: `PERF#${dataset}`, sk: day }),
  performances: (dataset: string) => `PERF#${dataset}`,
  nameKey: (dataset: string, fileName: string) => `${dataset}#${fileName}`,
};
