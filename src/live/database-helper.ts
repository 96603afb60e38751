import type { Database } from 'better-sqlite3';
import { connectionInWalMode } from '../workspace/index-database.js';
import { processPool, type MemoryFilePool } from '../workspace/memory-file-pool.js';

/**
 * The process's helper pool when whole-database work on `databasePath` (SQLite's checks, a
 * backup's copy, a checkpoint) is worth sending there: helpers can run and the database is large
 * (memory-file-pool.ts, worthAHelper). `undefined` where that work is to run on the caller's thread.
 */
export function helperForDatabase(databasePath: string): MemoryFilePool | undefined {
  const pool = processPool();
  return pool !== undefined && pool.worthAHelper(databasePath) ? pool : undefined;
}

/**
 * {@link helperForDatabase}, for work that reads alongside `db`'s writes: only in WAL mode, where a
 * connection of the helper's own sees the last commit and never holds off the writer.
 */
export function helperBesideWriter(databasePath: string, db: Database): MemoryFilePool | undefined {
  const pool = helperForDatabase(databasePath);
  return pool !== undefined && connectionInWalMode(db) ? pool : undefined;
}
