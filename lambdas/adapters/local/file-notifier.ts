import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Digest } from '../../core/drift/digest.ts';
import type { Notifier } from '../../ports/notifier.ts';

/** Writes each digest to alerts/<dataset>/<day>.txt and .json, and remembers it for the caller. */
export class FileNotifier implements Notifier {
  readonly sent: Digest[] = [];

  constructor(readonly root: string) {}

  async publish(digest: Digest): Promise<void> {
    const base = path.join(
      this.root,
      'alerts',
      encodeURIComponent(digest.dataset),
      encodeURIComponent(digest.day),
    );
    await mkdir(path.dirname(base), { recursive: true });
    await writeFile(`${base}.txt`, `Subject: ${digest.subject}\n\n${digest.text}\n`);
    await writeFile(`${base}.json`, `${JSON.stringify(digest, null, 2)}\n`);
    this.sent.push(digest);
  }
}
