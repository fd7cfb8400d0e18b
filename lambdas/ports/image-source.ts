/** One image to profile: a stable key (S3 key or relative path) and a way to read its bytes. */
export interface ImageInput {
  readonly key: string;
  /** The bytes; throws ObjectTooLargeError, unread, for an image above the reader's size limit. */
  read(): Promise<Uint8Array>;
}
