import type { DatasetProfile } from '../../lambdas/core/profile/dataset-profile.ts';
import type {
  ClaimResult,
  ImageRecord,
  PartialCommitter,
} from '../../lambdas/ports/partial-committer.ts';

/**
 * A commit as profile-batch makes it: a new partial id, claims of the records, then the partial,
 * committed only when every record was claimed (tests that want a partial commit build their own).
 */
export async function claimAndCommit(
  committer: PartialCommitter,
  commit: {
    readonly dataset: string;
    readonly day: string;
    readonly partialKey: string;
    readonly profile: DatasetProfile;
    readonly segments?: ReadonlyMap<string, DatasetProfile> | undefined;
    readonly records: readonly ImageRecord[];
  },
): Promise<ClaimResult & { readonly partialId: string; readonly committed: boolean }> {
  const partialId = committer.newPartialId(commit.partialKey);
  const claim = await committer.claimImages(commit.records, partialId);
  const committed = claim.claimed.length === commit.records.length;
  if (committed)
    await committer.commitPartial({
      dataset: commit.dataset,
      day: commit.day,
      partialId,
      profile: commit.profile,
      ...(commit.segments ? { segments: commit.segments } : {}),
    });
  return { ...claim, partialId, committed };
}
