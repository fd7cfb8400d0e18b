import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { S3ObjectStore } from '../../lambdas/adapters/aws/s3-object-store.ts';
import { s3Opener } from '../../lambdas/handlers/ingest-labels.ts';
import { ObjectTooLargeError } from '../../lambdas/ports/object-store.ts';

const s3 = mockClient(S3Client);
afterEach(() => s3.reset());

/** A chunked body without Content-Length that records how much of it was pulled. */
function chunkedBody(chunks: number, chunkBytes: number) {
  const pulled = { chunks: 0, destroyed: false };
  const body = {
    async *[Symbol.asyncIterator]() {
      for (let i = 0; i < chunks; i++) {
        pulled.chunks++;
        yield new Uint8Array(chunkBytes);
      }
    },
    destroy: () => {
      pulled.destroyed = true;
    },
    transformToByteArray: async () => new Uint8Array(chunks * chunkBytes),
  };
  return { body, pulled };
}

describe('reading user objects with a size cap', () => {
  it('stops reading a body without Content-Length as soon as it passes the cap', async () => {
    const { body, pulled } = chunkedBody(1000, 1024);
    s3.on(GetObjectCommand).resolves({ Body: body as never, Metadata: { prediction: 'cat' } });
    const refused = await new S3ObjectStore(new S3Client({}))
      .getObject('b', 'images/pets/a.png', { maxBytes: 10 * 1024 })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ObjectTooLargeError);
    expect((refused as ObjectTooLargeError).metadata).toEqual({ prediction: 'cat' });
    expect((refused as Error).message).toMatch(/more than the 10,240-byte limit/);
    expect(pulled.chunks).toBe(11);
    expect(pulled.destroyed).toBe(true);
  });

  it('reads an object within the cap whole', async () => {
    const { body } = chunkedBody(4, 1024);
    s3.on(GetObjectCommand).resolves({ Body: body as never });
    const object = await new S3ObjectStore(new S3Client({})).getObject('b', 'k', {
      maxBytes: 4096,
    });
    expect(object?.bytes.byteLength).toBe(4096);
  });

  it('fails a label stream without Content-Length once it passes the cap', async () => {
    const { body, pulled } = chunkedBody(1000, 1024);
    s3.on(GetObjectCommand).resolves({ Body: body as never });
    const opened = await s3Opener(new S3Client({}), 10 * 1024)('b', 'labels/pets/a.csv');
    const read = async () => {
      for await (const _ of opened?.chunks ?? []);
    };
    await expect(read()).rejects.toBeInstanceOf(ObjectTooLargeError);
    expect(pulled.chunks).toBe(11);
  });

  it('refuses a label file from its Content-Length without reading it', async () => {
    const { body, pulled } = chunkedBody(1000, 1024);
    s3.on(GetObjectCommand).resolves({ Body: body as never, ContentLength: 1_024_000 });
    await expect(s3Opener(new S3Client({}), 10 * 1024)('b', 'labels/pets/a.csv')).rejects.toThrow(
      /1,024,000 bytes, above the 10,240-byte limit/,
    );
    expect(pulled.chunks).toBe(0);
    expect(pulled.destroyed).toBe(true);
  });
});
