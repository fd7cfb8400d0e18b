import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { compareDays } from '../../core/drift/baselines.ts';
import type { ReportStore } from '../../ports/report-store.ts';

export const reportKey = (dataset: string, day: string, prefix = '') =>
  `${prefix}reports/${dataset}/${day}/index.html`;

/** Object metadata naming the night a `latest/` report is about. */
const DAY_METADATA = 'day';
/** Rounds of read-then-conditional-write before giving up on a `latest/` that keeps changing. */
const LATEST_ATTEMPTS = 5;

/**
 * Reports as private S3 objects. The digest links them through the S3 console
 * (https://console.aws.amazon.com/s3/object/…): the link never expires, which a presigned URL
 * signed with the Lambda role's temporary credentials would within hours, and it shows nothing to
 * anyone without an AWS login allowed to read the bucket (docs/operations.md).
 */
export class S3ReportStore implements ReportStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    /** The prefix reports/ lives under (core/util/key-prefix.ts). */
    private readonly prefix = '',
  ) {}

  async saveReport(dataset: string, day: string, html: string): Promise<void> {
    await this.put(reportKey(dataset, day, this.prefix), day, html, {});
    await this.moveLatest(dataset, day, html);
  }

  /**
   * `latest/` only moves forward: a backfill of an older night leaves a newer night's report in
   * place. The night it holds is in its metadata, and every write is conditional on the version
   * just read (S3 conditional writes), so two runs racing cannot move it back. It is first written
   * as if absent (If-None-Match: *): a HeadObject on a missing key is refused without
   * s3:ListBucket, which the function does not need otherwise.
   */
  private async moveLatest(dataset: string, day: string, html: string): Promise<void> {
    const key = reportKey(dataset, 'latest', this.prefix);
    for (let attempt = 0; attempt < LATEST_ATTEMPTS; attempt++) {
      if (await this.put(key, day, html, { IfNoneMatch: '*' })) return;
      const current = await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      const held = current.Metadata?.[DAY_METADATA];
      // A latest/ written before the day was recorded is replaced once.
      if (held !== undefined && compareDays(held, day) > 0) return;
      if (await this.put(key, day, html, { IfMatch: current.ETag })) return;
    }
    throw new Error(`${key} kept changing while the ${day} report was stored; run the night again`);
  }

  /** Puts a report; false when the write's precondition failed (another writer got there first). */
  private async put(
    key: string,
    day: string,
    html: string,
    condition: { IfNoneMatch?: string; IfMatch?: string | undefined },
  ): Promise<boolean> {
    try {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: html,
          ContentType: 'text/html; charset=utf-8',
          CacheControl: 'no-cache',
          Metadata: { [DAY_METADATA]: day },
          ...condition,
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}

/** S3 refuses a conditional write with 412 (precondition failed) or 409 (a concurrent conditional write). */
function isConditionFailure(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return (
    e.name === 'PreconditionFailed' ||
    e.name === 'ConditionalRequestConflict' ||
    e.$metadata?.httpStatusCode === 412 ||
    e.$metadata?.httpStatusCode === 409
  );
}

/** The console link to a report object (login required). */
export function reportConsoleUrl(
  bucket: string,
  region: string,
  dataset: string,
  day: string,
  prefix = '',
): string {
  return `https://${region}.console.aws.amazon.com/s3/object/${encodeURIComponent(bucket)}?region=${encodeURIComponent(region)}&prefix=${encodeURIComponent(reportKey(dataset, day, prefix))}`;
}
