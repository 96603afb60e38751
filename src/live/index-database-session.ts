import type { Database } from 'better-sqlite3';
import { connectionInWalMode, openIndexDatabase } from '../workspace/index-database.js';
import { requireTables } from '../workspace/index-reads.js';
import type { LiveContext } from './live-class.js';

/** An open index database and whether sqlite-vec could be loaded into it. */
export interface IndexDatabase {
  readonly db: Database;
  readonly vectorsLoaded: boolean;
  /** Why vectors were not checked, when they were not. */
  readonly vectorNote?: string;
}

/** How long one statement waits on another writer before SQLITE_BUSY (then the step retries). */
const BUSY_TIMEOUT_MS = 2000;
/** The page cache of a connection that only reads (KiB), and of one that writes to a database in WAL mode. */
export const SCAN_CACHE_KIB = 2048;

/** Opens the workspace's index (read-only unless `write`), checks memory_index is there, runs `work`, closes. */
export async function withIndexDatabase<T>(context: LiveContext, mode: 'read' | 'write', work: (index: IndexDatabase) => Promise<T> | T): Promise<T> {
  const index = openIndex(context, mode);
  try {
    return await work(index);
  } finally {
    index.db.close();
  }
}

/** Opens the workspace's index; the caller closes it. */
export function openIndex(context: LiveContext, mode: 'read' | 'write', tables: readonly string[] = ['memory_index']): IndexDatabase {
  const opened = openIndexDatabase(context.paths.db, {
    readonly: mode === 'read',
    busyTimeoutMs: BUSY_TIMEOUT_MS,
    // Reads scan whole tables once: a small page cache does as well as a large one, in less memory.
    ...(mode === 'read' ? { cacheKiB: SCAN_CACHE_KIB } : {}),
  });
  try {
    requireTables(opened.db, tables);
    // A writer keeps better-sqlite3's 16 MB page cache only where it matters: a transaction that
    // outgrows its cache writes pages out before it commits, which in a rollback journal takes
    // the exclusive lock and shuts the memory server's readers out for the rest of the repair
    // (an index-drift repair at 100,000 memories changes about 11 MB). In WAL mode those pages go
    // to the WAL, which readers do not see before the commit, so a small cache loses nothing.
    if (mode === 'write' && connectionInWalMode(opened.db)) {
      opened.db.pragma(`cache_size = -${SCAN_CACHE_KIB}`);
    }
  } catch (error) {
    opened.db.close();
    throw error;
  }
  return {
    db: opened.db,
    vectorsLoaded: opened.vectors === 'loaded',
    ...(opened.vectorNote !== undefined ? { vectorNote: opened.vectorNote } : {}),
  };
}
