import { GetObjectCommand, NoSuchKey, type S3Client } from '@aws-sdk/client-s3';
import {
  type ObjectStore,
  ObjectTooLargeError,
  type StoredObject,
} from '../../ports/object-store.ts';

export class S3ObjectStore implements ObjectStore {
  constructor(private readonly s3: S3Client) {}

  async getObject(
    bucket: string,
    key: string,
    options: { readonly maxBytes?: number } = {},
  ): Promise<StoredObject | undefined> {
    const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
    try {
      const response = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const metadata = response.Metadata ?? {};
      if (!response.Body) return { bytes: new Uint8Array(), metadata };
      // The size is in the response headers: an oversized object is refused before its body is read.
      if (response.ContentLength !== undefined && response.ContentLength > maxBytes) {
        destroy(response.Body);
        throw new ObjectTooLargeError(response.ContentLength, maxBytes, metadata);
      }
      const body = response.Body as unknown as Partial<AsyncIterable<Uint8Array>>;
      const bytes =
        response.ContentLength === undefined && Symbol.asyncIterator in body
          ? await readCapped(body as AsyncIterable<Uint8Array>, maxBytes, metadata)
          : await response.Body.transformToByteArray();
      if (bytes.byteLength > maxBytes)
        throw new ObjectTooLargeError(bytes.byteLength, maxBytes, metadata);
      return { bytes, metadata };
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey')
        return undefined;
      throw error;
    }
  }
}

/** Frees the connection of a body that will not be read. */
export function destroy(body: unknown): void {
  (body as { destroy?: () => void }).destroy?.();
}

/** A body without a Content-Length (chunked): read, stopping as soon as it passes the cap. */
async function readCapped(
  body: AsyncIterable<Uint8Array>,
  maxBytes: number,
  metadata: Readonly<Record<string, string>>,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.byteLength;
    if (total > maxBytes) {
      destroy(body);
      throw new ObjectTooLargeError(undefined, maxBytes, metadata);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
