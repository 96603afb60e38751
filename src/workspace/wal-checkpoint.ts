import Database from 'better-sqlite3';

/**
 * Copies what the database's write-ahead log holds into the database file (`PRAGMA
 * wal_checkpoint(PASSIVE)`), through a short-lived connection of its own: what SQLite's automatic
 * checkpoint does after a large commit, run where it costs the committing thread nothing (a helper
 * thread, helper-tasks.ts). PASSIVE never waits for, nor holds off, any reader or writer: frames it
 * cannot copy yet stay in the log, which is as valid a home for committed pages as the file, and
 * the next automatic checkpoint, or the last connection's close, copies them.
 *
 * Best effort: returns whether the checkpoint ran, and never throws (a database another process
 * holds exclusively, or one opsheal may read but not write, only keeps its log a while longer).
 */
export function checkpointWriteAheadLog(dbPath: string, busyTimeoutMs: number): boolean {
  let db: Database.Database | undefined;
  try {
    db = new Database(dbPath, { fileMustExist: true, timeout: busyTimeoutMs });
    db.pragma('wal_checkpoint(PASSIVE)');
    return true;
  } catch {
    return false;
  } finally {
    db?.close();
  }
}

/**
 * Tells `db`'s next commit not to run SQLite's automatic checkpoint on this thread: the committed
 * pages stay in the write-ahead log until {@link checkpointWriteAheadLog} (or any later automatic
 * checkpoint, or the last connection's close) copies them. Applies to this connection only, which
 * should be closed, or its setting put back, once it has committed.
 */
export function leaveCheckpointToLater(db: Database.Database): void {
  db.pragma('wal_autocheckpoint = 0');
}
