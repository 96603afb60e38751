import type { Database } from 'better-sqlite3';
import { formatTimestamp } from '../core/timestamp.js';
import { beginBackup, pruneBackups, takeBackup } from '../workspace/database-backup.js';
import { helperBesideWriter } from './database-helper.js';
import type { LiveContext } from './live-class.js';

/**
 * A repair's backup, begun: `finish` waits for the copy and names it; `keep` prunes older backups
 * once the repair has committed; `abandon` removes it. Until `keep`, every earlier backup stays, so
 * a repair that does not go ahead leaves the backups as it found them, all BACKUPS_KEPT of them.
 */
export interface RepairBackup {
  /** The backup's path, once the copy is whole (taken on this thread when a helper could not). */
  finish(): Promise<string>;
  /**
   * The repair committed: the oldest backups beyond BACKUPS_KEPT are removed. Never throws: the
   * change is made, and a backup that could not be removed is only one more kept, pruned next time.
   */
  keep(): void;
  /** The repair is not going ahead: whatever was copied is removed (database-backup.ts, `discard`). */
  abandon(): void;
}

/**
 * Begins the backup of a repair that holds its write transaction (BEGIN IMMEDIATE) and has planned,
 * before it writes anything.
 *
 * In WAL mode, a large database is copied on a helper thread while the repair applies its plan: the
 * copy reads through a connection of its own, which sees the last committed state and never the
 * repair's uncommitted changes, and no other writer can commit while the repair holds the write
 * lock; so the copy is the state planned on, as one taken before the first write would be. The
 * repair waits for it before it commits. In the other journal modes a reader would hold off the
 * repair's writes, and with no helper there is nothing to overlap: the copy is taken here and now,
 * before the first write.
 */
export async function beginRepairBackup(context: LiveContext, db: Database): Promise<RepairBackup> {
  const { db: dbPath, backupsDir } = context.paths;
  const stamp = formatTimestamp(context.now());
  const keep = (): void => {
    try {
      pruneBackups(dbPath, backupsDir);
    } catch {
      // Left for the next kept backup to prune (see keep above).
    }
  };
  const pool = helperBesideWriter(dbPath, db);
  if (pool === undefined) {
    const taken = await takeBackup(dbPath, backupsDir, stamp);
    return { finish: async () => taken.path, keep, abandon: () => taken.discard() };
  }
  const begun = beginBackup(dbPath, backupsDir, stamp);
  const job = pool.startTask({ kind: 'database-copy', path: dbPath, target: begun.partial });
  let outcome: 'taken' | 'failed' | undefined;
  const collect = (): 'taken' | 'failed' => (outcome ??= job.collect()?.ok === true ? 'taken' : 'failed');
  return {
    async finish() {
      if (collect() === 'taken') return begun.complete();
      // The helper could not copy (or never took the task): copy here, for the error SQLite gives.
      begun.discard();
      return (await takeBackup(dbPath, backupsDir, stamp)).path;
    },
    keep,
    abandon() {
      // Waits for a copy the helper is still writing, so that nothing of it is left behind.
      collect();
      begun.discard();
    },
  };
}
