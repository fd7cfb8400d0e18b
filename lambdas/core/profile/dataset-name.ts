/**
 * Dataset names come from S3 keys (images/<dataset>/…, labels/<dataset>/…) that anyone allowed to
 * upload chooses. Every key and item Driftwatch derives from one (reports/<dataset>/<day>/index.html,
 * manifests/<dataset>/<day>.jsonl, DynamoDB keys with a segment appended) must stay far under S3's
 * 1,024-byte key limit and DynamoDB's 1,024-byte sort key, and the name must read the same in a
 * key, a path, a log line and an e-mail. So names are refused, never rewritten: rewriting would
 * merge two uploaders' datasets.
 */

/**
 * At most this many characters (ASCII, so bytes): the longest derived key stays under 200 bytes
 * after the key prefix (at most 256, core/util/key-prefix.ts), so under 460 in all.
 */
export const MAX_DATASET_NAME_LENGTH = 100;
const ALLOWED = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Why `name` cannot be a dataset name, or undefined when it can. */
export function datasetNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'the dataset name is empty';
  if (name.length > MAX_DATASET_NAME_LENGTH)
    return `the dataset name has ${name.length} characters, above the ${MAX_DATASET_NAME_LENGTH} limit`;
  if (!ALLOWED.test(name))
    return 'a dataset name holds only letters A–Z a–z, digits, ".", "_" and "-", and starts with a letter or digit';
  return undefined;
}

export class InvalidDatasetNameError extends Error {
  constructor(problem: string) {
    super(problem);
    this.name = 'InvalidDatasetNameError';
  }
}

/** The name itself when valid; throws InvalidDatasetNameError naming the problem otherwise. */
export function assertDatasetName(name: string): string {
  const problem = datasetNameProblem(name);
  if (problem) throw new InvalidDatasetNameError(problem);
  return name;
}
