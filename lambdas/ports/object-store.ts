/** An object read from the bucket, with its user metadata (lower-case keys, without x-amz-meta-). */
export interface StoredObject {
  readonly bytes: Uint8Array;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface ObjectStore {
  /** The object, or undefined when it no longer exists (deleted before it was processed). */
  getObject(bucket: string, key: string): Promise<StoredObject | undefined>;
}
