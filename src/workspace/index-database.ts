import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { resolve } from 'node:path';
import { toDatabaseUnusableError } from './database-unusable-error.js';

export { DatabaseUnusableError, classifySqliteError, type SqliteErrorClass } from './database-unusable-error.js';

/** A better-sqlite3 connection. */
export type IndexDatabase = Database.Database;

/** How long a statement waits for another connection's lock before SQLITE_BUSY (ms), by default. */
export const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

export interface OpenIndexDatabaseOptions {
  /** Open read-only (default false). */
  readonly readonly?: boolean;
  /** How long to wait for another connection's lock before giving up with SQLITE_BUSY (ms, default 5000). */
  readonly busyTimeoutMs?: number;
  /**
   * Enforce foreign keys (default false). better-sqlite3 turns them on; the server's own tables
   * (memory_history, memory_conflicts) reference memory_index, so with them on, deleting an orphaned
   * row would fail or rewrite rows of tables opsheal does not own.
   */
  readonly foreignKeys?: boolean;
  /**
   * SQLite's page cache for this connection (KiB); SQLite's build default (16 MiB) when unset. A
   * connection that only scans tables or runs SQLite's checks gains nothing from a large one.
   */
  readonly cacheKiB?: number;
}

/** An open index database and whether sqlite-vec could be loaded into it. */
export interface OpenedIndexDatabase {
  readonly db: IndexDatabase;
  /** `unavailable`: vector tables cannot be read or written; say so and carry on. */
  readonly vectors: 'loaded' | 'unavailable';
  /** Why vectors are unavailable, one line: "vectors not checked: sqlite-vec did not load (...)". */
  readonly vectorNote?: string;
}

/**
 * Opens an existing index database (never creates one), sets the busy timeout, checks that the file
 * really is a SQLite database, and loads sqlite-vec when it can. Throws a
 * {@link DatabaseUnusableError} (retryable only for busy or locked) naming the path.
 */
export function openIndexDatabase(path: string, options: OpenIndexDatabaseOptions = {}): OpenedIndexDatabase {
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  let db: IndexDatabase;
  try {
    db = connect(path, options.readonly ?? false, busyTimeoutMs);
  } catch (error) {
    throw toDatabaseUnusableError(error, path);
  }
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
    db.pragma(`foreign_keys = ${options.foreignKeys === true ? 'ON' : 'OFF'}`);
    if (options.cacheKiB !== undefined) db.pragma(`cache_size = -${Math.max(1, Math.floor(options.cacheKiB))}`);
    // Opening is lazy: a file that is not a database (or is locked exclusively) only fails on
    // the first read, which should happen here rather than in the middle of a step.
    db.prepare('SELECT count(*) FROM sqlite_master').get();
  } catch (error) {
    db.close();
    throw toDatabaseUnusableError(error, path);
  }
  try {
    sqliteVec.load(db);
    return { db, vectors: 'loaded' };
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { db, vectors: 'unavailable', vectorNote: `vectors not checked: sqlite-vec did not load (${reason})` };
  }
}

/**
 * Opens the connection. A read-only connection that is the last to close a WAL database leaves its
 * `-wal` and `-shm` files behind, so a "read-only" check would add two files to a quiet workspace.
 * When the database is in WAL mode and had no `-wal` file when this process first opened it (nobody
 * else had it open), reads go through a read-write connection instead, which opsheal never writes
 * with and which removes both files on close; the database file itself is not written. Where that
 * cannot open (a read-only file), it falls back to a read-only connection.
 *
 * A `-wal` file that was there before (a server that stopped without checkpointing) keeps reads
 * read-only for the whole run: a read-write connection closing last would checkpoint it into the
 * database file and delete it, rewriting the file a read-only command must leave as it was.
 */
function connect(path: string, readonly: boolean, busyTimeoutMs: number): IndexDatabase {
  const open = (asReadonly: boolean): IndexDatabase => new Database(path, { readonly: asReadonly, fileMustExist: true, timeout: busyTimeoutMs });
  // Noted on every open, so that one that comes first and makes the file does not count as before.
  const walBefore = walFoundOnFirstOpen(path);
  if (!readonly || walBefore || !inWalMode(path)) return open(readonly);
  try {
    return open(false);
  } catch {
    return open(true);
  }
}

/** Per database path: whether its `-wal` file existed when this process first opened it. */
const walAtFirstOpen = new Map<string, boolean>();

function walFoundOnFirstOpen(path: string): boolean {
  const key = resolve(path);
  let found = walAtFirstOpen.get(key);
  if (found === undefined) walAtFirstOpen.set(key, (found = existsSync(`${key}-wal`)));
  return found;
}

/** Whether the connection's database is in WAL mode (`PRAGMA journal_mode`). */
export function connectionInWalMode(db: Database.Database): boolean {
  return String(db.pragma('journal_mode', { simple: true })).toLowerCase() === 'wal';
}

/** Whether the database file's header says WAL (file format read and write versions 2). */
function inWalMode(path: string): boolean {
  let descriptor: number | undefined;
  try {
    descriptor = openSync(path, 'r');
    const header = Buffer.alloc(20);
    return readSync(descriptor, header, 0, 20, 0) === 20 && header[18] === 2 && header[19] === 2;
  } catch {
    return false;
  } finally {
    if (descriptor !== undefined) closeSync(descriptor);
  }
}

/**
 * Rolls back the transaction a writer left unfinished in a hot rollback journal (`-journal`), as
 * SQLite does on the first read of any connection that may write, and says whether there was one.
 * The read connections a heal judges with are read-only and cannot: without this, every class of
 * a heal would fail on SQLITE_READONLY_ROLLBACK. Nothing is lost: what is rolled back never
 * committed. Any other trouble is left for the steps to meet and report (false).
 */
export function rollBackHotJournal(path: string): boolean {
  if (!existsSync(`${path}-journal`)) return false;
  const firstRead = (readonly: boolean): void => {
    const db = new Database(path, { readonly, fileMustExist: true, timeout: 2000 });
    try {
      db.prepare('SELECT count(*) FROM sqlite_master').get();
    } finally {
      db.close();
    }
  };
  try {
    firstRead(true);
    return false;
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'SQLITE_READONLY_ROLLBACK') return false;
  }
  try {
    firstRead(false);
    return true;
  } catch {
    return false;
  }
}
