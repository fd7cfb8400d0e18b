import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ReportStore } from '../../ports/report-store.ts';

export const reportKey = (dataset: string, day: string, prefix = '') =>
  `${prefix}reports/${dataset}/${day}/index.html`;

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
    for (const key of [
      reportKey(dataset, day, this.prefix),
      reportKey(dataset, 'latest', this.prefix),
    ]) {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: html,
          ContentType: 'text/html; charset=utf-8',
          CacheControl: 'no-cache',
        }),
      );
    }
  }
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
