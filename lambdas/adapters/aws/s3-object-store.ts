import { GetObjectCommand, NoSuchKey, type S3Client } from '@aws-sdk/client-s3';
import type { ObjectStore, StoredObject } from '../../ports/object-store.ts';

export class S3ObjectStore implements ObjectStore {
  constructor(private readonly s3: S3Client) {}

  async getObject(bucket: string, key: string): Promise<StoredObject | undefined> {
    try {
      const response = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if (!response.Body) return { bytes: new Uint8Array(), metadata: response.Metadata ?? {} };
      return {
        bytes: await response.Body.transformToByteArray(),
        metadata: response.Metadata ?? {},
      };
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey')
        return undefined;
      throw error;
    }
  }
}
