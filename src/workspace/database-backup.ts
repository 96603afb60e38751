import Database from 'better-sqlite3';
import { mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';

/** How many backups of one database to keep; older ones are removed after a new one is complete. */
export const BACKUPS_KEPT = 5;

/**
 * Copies the live database with SQLite's online backup API into `backupsDir`, as
 * `<db name>-<stamp>-<pid>.sqlite`, through a read-only connection of its own: the repair can hold
 * its write transaction (nothing written yet) while the copy is taken, so the backup is exactly the
 * state the repair planned on. The copy is written under a temporary name and renamed when
 * complete, so a healer killed mid-backup never leaves a partial file that looks like a backup.
 * Returns the backup's path.
 */
export async function backupDatabase(dbPath: string, backupsDir: string, stamp: string): Promise<string> {
  mkdirSync(backupsDir, { recursive: true });
  const stem = basename(dbPath).replace(/\.(sqlite3?|db)$/, '');
  const name = `${stem}-${stamp.replace(/[^0-9TZ]/g, '')}-${process.pid}.sqlite`;
  const partial = join(backupsDir, `.${name}.partial`);
  rmSync(partial, { force: true });
  const source = new Database(dbPath, { readonly: true, fileMustExist: true, timeout: 5000 });
  try {
    await source.backup(partial);
  } finally {
    source.close();
  }
  const target = join(backupsDir, name);
  renameSync(partial, target);
  pruneBackups(backupsDir, stem);
  return target;
}

function pruneBackups(backupsDir: string, stem: string): void {
  const complete = readdirSync(backupsDir)
    .filter((name) => name.startsWith(`${stem}-`) && name.endsWith('.sqlite'))
    .sort();
  for (const name of complete.slice(0, Math.max(0, complete.length - BACKUPS_KEPT))) {
    rmSync(join(backupsDir, name), { force: true });
  }
}
