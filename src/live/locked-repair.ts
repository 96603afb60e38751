import type { Database } from 'better-sqlite3';
import { leaveCheckpointToLater } from '../workspace/wal-checkpoint.js';
import { withWorkspaceLock } from '../workspace/workspace-lock.js';
import { helperCanCheckpoint, leaveCheckpointToHelper, startRepairSoundnessCheck } from './background-checks.js';
import { databaseVersion, followAppendOnlyCommit, followTrackedCommit } from './index-read-cache.js';
import type { LiveContext } from './live-class.js';
import { beginRepairBackup, type RepairBackup } from './repair-backup.js';

/** What one repair did: its counts, and where the backup went when one was taken. */
export interface RepairResult {
  readonly counts: Readonly<Record<string, number>>;
  readonly backupPath?: string;
}

/**
 * The version of the database (index-read-cache.ts) each run's last commit left, once the run has
 * taken a backup: while the database is still at that version, nothing but this run's own repairs,
 * each recorded in the ledger, separates it from the backup, and another would add nothing.
 */
const coveredByBackup = new WeakMap<LiveContext, string>();

/**
 * What a repair's `apply` declares it changes, so that what the run read before the commit carries
 * over to the version the commit makes, once SQLite confirms the declaration (index-read-cache.ts).
 * At most one: with neither, every read after the commit reads again.
 */
type DeclaredChange =
  | {
      /** The one table `apply` changes, and only by appending rows (followAppendOnlyCommit): what was read carries over, that table's up to its last row. */
      readonly appendsOnlyTo?: string;
      readonly changesRowsOf?: undefined;
    }
  | {
      readonly appendsOnlyTo?: undefined;
      /** The table whose rows `apply` changes in any way (followTrackedCommit): what was read of it carries over but for the rows changed. */
      readonly changesRowsOf?: string;
    };

/**
 * The one way a class changes the index database. Under the workspace lock it opens a write
 * transaction (BEGIN IMMEDIATE, so no writer can slip in between the plan and its apply), plans
 * from what it reads there, takes the online backup when there is anything to change (of exactly
 * what was planned on: on a large WAL database it is copied on a helper thread while the plan is
 * applied, see repair-backup.ts), applies, and commits once the backup is whole; any error rolls
 * everything back.
 *
 * One backup serves a whole run (`heal all`): it is taken before the run's first change, and again
 * before a later one only when another writer has committed since this run last did. SQLite's
 * quick_check must pass before anything commits, unless a check earlier in the run passed on this
 * very version (known-sound.ts); a check the run's detect left running on a helper is waited for
 * only before the commit (startRepairSoundnessCheck), and any other runs before the plan.
 */
export async function repairUnderLock<Operation>(
  context: LiveContext,
  open: () => Database,
  work: {
    readonly plan: (db: Database) => readonly Operation[];
    readonly apply: (db: Database, operations: readonly Operation[]) => Readonly<Record<string, number>>;
    /**
     * The integrity check that follows the commit runs on a helper (index-drift's verify): the
     * commit leaves its checkpoint to that helper instead of running it here (background-checks.ts,
     * helperCanCheckpoint), where it can.
     */
    readonly checkpointOnHelper?: boolean;
  } & DeclaredChange,
): Promise<RepairResult> {
  return withWorkspaceLock(context.paths, context.config.lockTimeoutSeconds, async () => {
    const db = open();
    try {
      db.exec('BEGIN IMMEDIATE');
      let sound: () => void = () => undefined;
      try {
        // Never commit into, or keep a backup of, a damaged database as if it were sound: SQLite's
        // quick_check, whose verdict may still be coming from a helper (background-checks.ts).
        sound = startRepairSoundnessCheck(context, db);
        const operations = work.plan(db);
        if (operations.length === 0) {
          db.exec('ROLLBACK');
          sound();
          return { counts: {} };
        }
        const version = databaseVersion(context);
        const backup: RepairBackup | undefined = context.backup && (version === undefined || coveredByBackup.get(context) !== version)
          ? await beginRepairBackup(context, db)
          : undefined;
        let counts: Readonly<Record<string, number>>;
        let backupPath: string | undefined;
        let followCommit: (() => void) | undefined;
        if (work.appendsOnlyTo !== undefined) followCommit = followAppendOnlyCommit(context, db, work.appendsOnlyTo);
        else if (work.changesRowsOf !== undefined) followCommit = followTrackedCommit(context, db, work.changesRowsOf);
        try {
          counts = work.apply(db, operations);
          sound();
          // Nothing is committed before the backup is whole (repair-backup.ts: it may be copied while the plan is applied).
          backupPath = await backup?.finish();
        } catch (error) {
          backup?.abandon();
          throw error;
        }
        const checkpointLater = work.checkpointOnHelper === true && helperCanCheckpoint(context, db);
        if (checkpointLater) leaveCheckpointToLater(db);
        try {
          db.exec('COMMIT');
        } catch (error) {
          // A COMMIT refused (a reader holding a rollback-journal database busy) is a repair that did
          // not go ahead: its backup goes too, or every retry would add one, and the next kept
          // backup would prune the earlier, distinct restore points to make room for copies of one state.
          backup?.abandon();
          throw error;
        }
        backup?.keep();
        if (checkpointLater) leaveCheckpointToHelper(context);
        followCommit?.();
        // Read at once: a writer committing in the instant between would go without a backup of its
        // own, though never without one of the state before this run changed anything.
        const committed = databaseVersion(context);
        if (context.backup && committed !== undefined && (backupPath !== undefined || coveredByBackup.has(context))) coveredByBackup.set(context, committed);
        return { counts, ...(backupPath !== undefined ? { backupPath } : {}) };
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK');
        // A damaged database is reported as such, rather than by whichever read or write met the damage first.
        sound();
        throw error;
      }
    } finally {
      db.close();
    }
  });
}

/** The timestamp repairs write (updated_at, the ledger): ISO-8601 with milliseconds, from the run's clock. */
export function repairTimestamp(context: LiveContext): string {
  return new Date(context.now()).toISOString();
}
