/**
 * How many orphaned rows (rows whose memory file is gone) one heal deletes. Files vanishing by the
 * hundreds at once are more often a specs folder unmounted, moved or misconfigured than memories
 * removed, and deleting their rows would throw away their vectors on a guess: past the allowance,
 * none are deleted and a person decides (WORKSPACE.md: what cannot be mended is not guessed at).
 */

/** Orphaned rows any heal may delete, whatever the share: a small index loses rows too. */
export const ALWAYS_DELETABLE_ORPHANS = 10;

/** The most orphaned rows one heal deletes from an index of `rows` rows, `maxShare` (0..1) of them. */
export function orphanAllowance(rows: number, maxShare: number): number {
  return Math.max(ALWAYS_DELETABLE_ORPHANS, Math.floor(rows * maxShare));
}

/** True when more rows are orphaned than one heal deletes (never when `maxShare` is 1). */
export function tooManyOrphans(orphaned: number, rows: number, maxShare: number): boolean {
  return maxShare < 1 && orphaned > orphanAllowance(rows, maxShare);
}

/** What a person must decide when the allowance held the deletions back. */
export function massOrphaningDecision(orphaned: number, rows: number, maxShare: number, specsRoot: string): string {
  return (
    `${orphaned} of the workspace's ${rows} memory rows name files that are gone, more than one heal deletes ` +
    `(thresholds.maxOrphanedShare ${maxShare}, at least ${ALWAYS_DELETABLE_ORPHANS}): if the specs folder (${specsRoot}) ` +
    'is unmounted, moved or misconfigured, put it right and heal again; if the memories were removed on purpose, ' +
    'heal with a config whose thresholds.maxOrphanedShare is 1 (their rows and vectors are then deleted, each recorded in the ledger)'
  );
}
