import Database from 'better-sqlite3';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BACKUPS_KEPT, pruneBackups, takeBackup } from '../../../src/workspace/database-backup.js';

let dir: string | undefined;
afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function databaseWithRows(rows: number): { dbPath: string; backupsDir: string; insert: () => void } {
  dir = mkdtempSync(join(tmpdir(), 'opsheal-backup-'));
  const dbPath = join(dir, 'context-index.sqlite');
  const db = new Database(dbPath);
  db.exec('CREATE TABLE t (n INTEGER)');
  for (let n = 0; n < rows; n++) db.prepare('INSERT INTO t VALUES (?)').run(n);
  db.close();
  return {
    dbPath,
    backupsDir: join(dir, '.opsheal', 'backups'),
    insert: () => {
      const handle = new Database(dbPath);
      handle.prepare('INSERT INTO t VALUES (0)').run();
      handle.close();
    },
  };
}

function rowCount(path: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/** A backup taken and kept, as a repair that commits takes and keeps one. */
async function backUp(dbPath: string, backupsDir: string, stamp: string): Promise<string> {
  const { path } = await takeBackup(dbPath, backupsDir, stamp);
  pruneBackups(dbPath, backupsDir);
  return path;
}

describe('takeBackup and pruneBackups', () => {
  it('never replaces an earlier backup of the same second: later ones are numbered (regression: heal all overwrote earlier backups)', async () => {
    const { dbPath, backupsDir, insert } = databaseWithRows(1);
    const first = await backUp(dbPath, backupsDir, '2026-02-22T00:00:00Z');
    insert();
    const second = await backUp(dbPath, backupsDir, '2026-02-22T00:00:00Z');
    expect(basename(first)).toBe(`context-index-20260222T000000Z-${process.pid}.sqlite`);
    expect(basename(second)).toBe(`context-index-20260222T000000Z-${process.pid}-2.sqlite`);
    expect(rowCount(first)).toBe(1);
    expect(rowCount(second)).toBe(2);
  });

  it(`keeps the ${BACKUPS_KEPT} newest, oldest pruned first, numbered ones after the unnumbered one of their second`, async () => {
    const { dbPath, backupsDir } = databaseWithRows(1);
    const made: string[] = [];
    for (let n = 0; n < 4; n++) made.push(basename(await backUp(dbPath, backupsDir, '2026-02-22T00:00:09Z')));
    for (let n = 0; n < 3; n++) made.push(basename(await backUp(dbPath, backupsDir, '2026-02-22T00:00:10Z')));
    expect(new Set(made).size).toBe(7);
    expect(readdirSync(backupsDir).sort()).toEqual(made.slice(2).sort());
  });

  it("prunes only this database's backups: an operator's copy and another database's backups in the folder stay (regression: they were pruned first)", async () => {
    const { dbPath, backupsDir } = databaseWithRows(1);
    const made: string[] = [];
    for (let n = 0; n < BACKUPS_KEPT; n++) made.push(basename(await backUp(dbPath, backupsDir, `2026-02-22T00:00:0${n}Z`)));
    const others = ['context-index-before-migration.sqlite', 'context-index-v2-20260101T000000Z-1.sqlite', 'context-index-v2.sqlite'];
    for (const name of others) writeFileSync(join(backupsDir, name), 'not ours');
    made.push(basename(await backUp(dbPath, backupsDir, '2026-02-22T00:00:09Z')));
    expect(readdirSync(backupsDir).sort()).toEqual([...made.slice(1), ...others].sort());
  });
});
