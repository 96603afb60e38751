import Database from 'better-sqlite3';
import { existsSync, readdirSync, renameSync, rmdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { DatabaseUnusableError } from './database-unusable-error.js';
import { makeOwnFolder } from './own-folder.js';

/** How many backups of one database to keep; older ones are removed once a newer one is kept (pruneBackups). */
export const BACKUPS_KEPT = 5;

/** Pages per backup step that better-sqlite3 takes as "the rest of the database". */
const ALL_PAGES = 0x7fffffff;

/**
 * Copies the live database with SQLite's online backup API into `backupsDir`, as
 * `<db name>-<stamp>-<pid>.sqlite` (`-2`, `-3`, ... for later ones of the same second), through a
 * read-only connection of its own: the repair can hold its write transaction (nothing written yet)
 * while the copy is taken, so the backup is exactly the state the repair planned on. The copy is
 * written under a temporary name and renamed when complete, so a healer killed mid-backup never
 * leaves a partial file that looks like a backup. Returns the backup's path, and the means to take
 * it back (`discard`) when it is not wanted after all.
 *
 * Older backups are left for the caller to prune (pruneBackups) once it keeps this one: removing
 * one for a backup that is then discarded would leave one fewer than BACKUPS_KEPT, the oldest lost.
 */
export async function takeBackup(dbPath: string, backupsDir: string, stamp: string): Promise<{ readonly path: string; discard(): void }> {
  const backup = beginBackup(dbPath, backupsDir, stamp);
  try {
    await copyDatabase(dbPath, backup.partial);
  } catch (error) {
    backup.discard();
    throw backupFolderError(error, backupsDir);
  }
  return { path: backup.complete(), discard: () => backup.discard() };
}

/** A backup whose copy is still to be written to `partial` (by {@link copyDatabase}, here or on a helper thread). */
export interface BegunBackup {
  /** Where the copy goes: a name no complete backup has, and that a later backup removes as a leftover. */
  readonly partial: string;
  /** The copy is whole: renames it to its backup name and returns its path (older backups stay: pruneBackups). */
  complete(): string;
  /**
   * The backup is not wanted, or its copy failed: removes whatever of it there is (the copy, whole or
   * partial), and the backups folder too when this backup made it and nothing else is in it, so that
   * a repair that does not go ahead leaves the workspace as it found it.
   */
  discard(): void;
}

/**
 * The part of {@link takeBackup} around the copy: makes the backups folder, clears what a killed
 * healer left, and chooses the name. Backups are taken under the workspace lock, so nothing else
 * writes there meanwhile.
 */
export function beginBackup(dbPath: string, backupsDir: string, stamp: string): BegunBackup {
  const madeFolder = makeOwnFolder(backupsDir, 'its backups', 'move that file out of the way and run again (or heal with --no-backup)');
  const stem = backupStem(dbPath);
  const name = unusedName(backupsDir, `${stem}-${stamp.replace(/[^0-9TZ]/g, '')}-${process.pid}`);
  const partial = join(backupsDir, `.${name}.partial`);
  // Any partial file here (and the rollback journal SQLite keeps beside it while copying) is one a
  // killed healer left.
  for (const leftover of readdirSync(backupsDir).filter(isPartialBackupFile)) rmSync(join(backupsDir, leftover), { force: true });
  const target = join(backupsDir, name);
  let completed = false;
  return {
    partial,
    complete: () => {
      renameSync(partial, target);
      completed = true;
      return target;
    },
    discard: () => {
      if (completed) rmSync(target, { force: true });
      for (const suffix of ['', '-journal', '-wal', '-shm']) rmSync(`${partial}${suffix}`, { force: true });
      if (madeFolder) removeIfEmpty(backupsDir);
    },
  };
}

/**
 * The copy itself: SQLite's online backup of `dbPath` into `target`, through a read-only connection
 * of its own, so it is one committed state of the database whatever other connections do meanwhile.
 */
export async function copyDatabase(dbPath: string, target: string): Promise<void> {
  const source = new Database(dbPath, { readonly: true, fileMustExist: true, timeout: 5000 });
  try {
    // The copy reads each page once: a small page cache does as well as SQLite's default 16 MiB.
    source.pragma('cache_size = -2048');
    await backUpAtOnce(source, dbPath, target);
  } finally {
    source.close();
  }
}

/**
 * SQLite's online backup of `source` (at `dbPath`) into `target`, all pages in one step: one read
 * transaction for the whole copy, instead of one per 100 pages and a turn of the event loop between
 * them (a third of the time on a database of 100 MB).
 *
 * Where SQLite cannot read the source at all (another connection holds it exclusively locked),
 * better-sqlite3 reports the copy done with no pages, leaving an empty database behind, and where it
 * can start but not go on, it retries for as long as that lasts (for ever, for a WAL database in a
 * folder this user may not write). So an empty copy is taken again, and a copy that makes no
 * progress for `stallSeconds` fails (retryable), saying why.
 */
export async function backUpAtOnce(source: Database.Database, dbPath: string, target: string, stallSeconds = COPY_STALL_SECONDS): Promise<void> {
  let remaining = Number.POSITIVE_INFINITY;
  let progressedAt = Date.now();
  const stalled = (): boolean => Date.now() - progressedAt > stallSeconds * 1000;
  const stallError = (): DatabaseUnusableError =>
    new DatabaseUnusableError(
      `copying ${dbPath} made no progress for ${stallSeconds}s: the database stayed busy or locked, or this user cannot read it in full (a WAL database needs its folder writable, or its -shm file)`,
      { retryable: true },
    );
  for (;;) {
    const done = await source.backup(target, {
      progress: ({ remainingPages }) => {
        if (remainingPages < remaining) {
          remaining = remainingPages;
          progressedAt = Date.now();
        } else if (stalled()) {
          throw stallError();
        }
        return ALL_PAGES;
      },
    });
    // Every database has a page at least: none copied means none could be read.
    if (done.totalPages > 0) return;
    if (stalled()) throw stallError();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** How long a database copy may make no progress before it fails (see copyDatabase). */
const COPY_STALL_SECONDS = 10;

/**
 * A file a backup in progress writes: the copy under its temporary name `.<name>.partial`, and the
 * files SQLite keeps beside it while writing (`-journal`, `-wal`, `-shm`). A healer killed mid-backup
 * leaves them; none of them looks like a complete backup.
 */
export function isPartialBackupFile(name: string): boolean {
  return /^\..+\.partial(-journal|-wal|-shm)?$/.test(name);
}

/**
 * `<base>.sqlite`, or `<base>-2.sqlite`, `-3`, ... when this process already took a backup within
 * the same second (every class of one `heal all`, or any run under a fixed SOURCE_DATE_EPOCH): a
 * later backup must never replace the earlier one, which holds the state before the first change.
 */
function unusedName(backupsDir: string, base: string): string {
  for (let sequence = 1; ; sequence++) {
    const name = sequence === 1 ? `${base}.sqlite` : `${base}-${sequence}.sqlite`;
    if (!existsSync(join(backupsDir, name))) return name;
  }
}

/** What a backup's name starts with: the database's file name without its extension. */
function backupStem(dbPath: string): string {
  return basename(dbPath).replace(/\.(sqlite3?|db)$/, '');
}

/** Removes a folder that holds nothing; one that holds anything (or is gone) stays as it is. */
function removeIfEmpty(folder: string): void {
  try {
    rmdirSync(folder);
  } catch {
    // ENOTEMPTY (something else is kept there) or ENOENT: nothing of this backup is left either way.
  }
}

/**
 * Removes the oldest complete backups of `dbPath` beyond the BACKUPS_KEPT newest. Called once a new
 * backup is kept, never for one that may still be discarded.
 */
export function pruneBackups(dbPath: string, backupsDir: string): void {
  const stem = backupStem(dbPath);
  // Only names this database's backups take (`<stem>-<stamp>-<pid>[-<n>].sqlite`): an operator's own
  // copy kept in the folder, or the backups of another database whose name begins the same way
  // (`context-index-v2`), are not this database's to prune.
  const complete = readdirSync(backupsDir)
    .filter((name) => name.startsWith(`${stem}-`) && name.endsWith('.sqlite'))
    .flatMap((name) => {
      const order = backupOrder(name.slice(stem.length + 1, -'.sqlite'.length));
      return order === undefined ? [] : [{ name, order }];
    })
    .sort((a, b) => compareOrder(a.order, b.order))
    .map((entry) => entry.name);
  for (const name of complete.slice(0, Math.max(0, complete.length - BACKUPS_KEPT))) {
    rmSync(join(backupsDir, name), { force: true });
  }
}

/**
 * Oldest first: by time stamp, then process, then sequence (`-2` after the unnumbered first);
 * `undefined` for a name that is not a backup's.
 */
function backupOrder(rest: string): readonly [string, number, number] | undefined {
  const match = /^(\d{8}T\d{6}Z)-(\d+)(?:-(\d+))?$/.exec(rest);
  if (match === null) return undefined;
  return [match[1] ?? '', Number(match[2]), match[3] === undefined ? 1 : Number(match[3])];
}

function compareOrder(a: readonly [string, number, number], b: readonly [string, number, number]): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  return a[1] - b[1] || a[2] - b[2];
}

/** SQLite's codes for a copy that could not be written (opened, grown, synced) where it goes. */
const WRITE_FAILURES = /^SQLITE_(CANTOPEN|FULL|READONLY|PERM|IOERR)/;

/**
 * A copy that could not be written into `backupsDir` (read-only, full, gone): an error that says so
 * and what to do, instead of a SQLite code that a step would take for the index database's.
 * Anything else (the database itself unreadable, a copy that stalled) is left as it is.
 */
function backupFolderError(error: unknown, backupsDir: string): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !WRITE_FAILURES.test(code)) return error;
  const why = error instanceof Error ? error.message : String(error);
  return new Error(`the backup could not be written into ${backupsDir} (${code}: ${why}): make room there or make it writable, or heal with --no-backup`, { cause: error });
}
