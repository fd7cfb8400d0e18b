import type { Digest } from '../core/drift/digest.ts';

/** Sends a digest to people (SNS topic in AWS, the console and files locally). */
export interface Notifier {
  publish(digest: Digest): Promise<void>;
}
