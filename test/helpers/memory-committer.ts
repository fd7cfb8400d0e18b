import type { ImageRecord, PartialCommitter } from '../../lambdas/ports/partial-committer.ts';

export type CommittedPartial = Parameters<PartialCommitter['commitPartial']>[0] & {
  /** The records claimed for it (what the DynamoDB adapter's records say). */
  readonly records: readonly ImageRecord[];
};

/**
 * An in-memory committer with the same claim rules and item count as the DynamoDB one: a record
 * claimed for a partial that was committed is counted; one claimed for a partial not committed is
 * busy while its lease runs, then taken over.
 */
export function memoryCommitter(options: { now?: () => number; leaseMs?: number } = {}) {
  const now = options.now ?? (() => 0);
  const leaseMs = options.leaseMs ?? 300_000;
  const claims = new Map<string, { record: ImageRecord; partialId: string; claimedAt: number }>();
  const committed = new Set<string>();
  const partials: CommittedPartial[] = [];
  const updates: ImageRecord[] = [];
  let ids = 0;
  const committer: PartialCommitter = {
    maxItemsPerCommit: 100,
    itemsPerCommit: (_images, segments) => 2 + 2 * segments,
    newPartialId: (partialKey) => `p#${now()}#${partialKey}.${ids++}`,
    async claimImages(records, partialId) {
      const claimed: string[] = [];
      const alreadyCounted: string[] = [];
      const busy: string[] = [];
      for (const r of records) {
        const id = `${r.dataset}|${r.key}`;
        const existing = claims.get(id);
        if (existing && existing.partialId !== partialId) {
          if (committed.has(existing.partialId)) {
            alreadyCounted.push(r.key);
            continue;
          }
          if (now() - existing.claimedAt < leaseMs) {
            busy.push(r.key);
            continue;
          }
        }
        claims.set(id, { record: r, partialId, claimedAt: now() });
        claimed.push(r.key);
      }
      return { claimed, alreadyCounted, busy };
    },
    async commitPartial(p) {
      const items = committer.itemsPerCommit(0, p.segments?.size ?? 0);
      if (items > committer.maxItemsPerCommit) throw new Error(`${items} items in one commit`);
      committed.add(p.partialId);
      const records = [...claims.values()]
        .filter((c) => c.partialId === p.partialId)
        .map((c) => c.record);
      partials.push({ ...p, records });
    },
    async updateModelOutputs(records) {
      updates.push(...records);
      return records.length;
    },
  };
  return { committer, partials, updates };
}
