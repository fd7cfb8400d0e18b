/** An object read from the bucket, with its user metadata (lower-case keys, without x-amz-meta-). */
export interface StoredObject {
  readonly bytes: Uint8Array;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface ObjectStore {
  /**
   * The object, or undefined when it no longer exists (deleted before it was processed). Throws
   * ObjectTooLargeError, without reading the body, when it holds more than `maxBytes`.
   */
  getObject(
    bucket: string,
    key: string,
    options?: { readonly maxBytes?: number },
  ): Promise<StoredObject | undefined>;
}

/** An object above the size its reader accepts: refused before its body is read (docs/operations.md#limits). */
export class ObjectTooLargeError extends Error {
  constructor(
    /** Its size when known (Content-Length); undefined when only "more than the limit" is. */
    readonly bytes: number | undefined,
    readonly limit: number,
    /** Its user metadata, so a refused image still lands on its dataset-day. */
    readonly metadata: Readonly<Record<string, string>> = {},
  ) {
    super(
      `the object holds ${bytes === undefined ? 'more than' : `${bytes.toLocaleString('en-US')} bytes, above`} the ${limit.toLocaleString('en-US')}-byte limit`,
    );
    this.name = 'ObjectTooLargeError';
  }
}
