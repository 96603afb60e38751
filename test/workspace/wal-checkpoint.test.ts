// wal-checkpoint.ts: a commit told to leave its checkpoint keeps its pages in the write-ahead log,
// and checkpointWriteAheadLog copies them into the database file. What the file holds is observed
// by its size: the rows committed here need new pages, which the file gains only when a checkpoint
// copies them there. A reader is kept open throughout, so that no connection's close is the last
// one (which would checkpoint by itself).
import Database from 'better-sqlite3';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runHelperTask } from '../../src/workspace/helper-tasks.js';
import { checkpointWriteAheadLog, leaveCheckpointToLater } from '../../src/workspace/wal-checkpoint.js';
import { useTemporaryFolders } from './temporary-folder.js';

const temporaryFolder = useTemporaryFolders();
const open: Database.Database[] = [];

afterEach(() => {
  for (const db of open.splice(0)) db.close();
});

/** A database in WAL mode, a reader kept open on it, and a writer whose automatic checkpoint runs after every commit. */
function walDatabase(): { path: string; writer: Database.Database; reader: Database.Database } {
  const path = join(temporaryFolder(), 'index.sqlite');
  const writer = new Database(path);
  writer.pragma('journal_mode = WAL');
  writer.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
  writer.pragma('wal_checkpoint(TRUNCATE)');
  // SQLite's default is a checkpoint once the log holds 1,000 pages: here, after any commit.
  writer.pragma('wal_autocheckpoint = 1');
  const reader = new Database(path, { readonly: true });
  open.push(writer, reader);
  return { path, writer, reader };
}

/** Commits 64 rows of 4 KB: some 70 new pages. */
function commitRows(db: Database.Database): void {
  const insert = db.prepare('INSERT INTO notes (body) VALUES (?)');
  db.transaction(() => {
    for (let index = 0; index < 64; index += 1) insert.run('x'.repeat(4096));
  })();
}

const fileSize = (path: string): number => statSync(path).size;

describe('a commit that leaves its checkpoint to later', () => {
  it('keeps its pages in the log: the database file does not grow until checkpointWriteAheadLog copies them', () => {
    const { path, writer, reader } = walDatabase();
    const before = fileSize(path);
    leaveCheckpointToLater(writer);
    commitRows(writer);
    expect(fileSize(path)).toBe(before);
    // Committed all the same: a reader sees the rows from the log.
    expect(reader.prepare('SELECT count(*) FROM notes').pluck().get()).toBe(64);
    expect(checkpointWriteAheadLog(path, 1000)).toBe(true);
    expect(fileSize(path)).toBeGreaterThan(before + 64 * 4096);
    expect(reader.prepare('SELECT count(*) FROM notes').pluck().get()).toBe(64);
  });

  it('is what keeps them there: without it, the same commit copies its pages into the file itself', () => {
    const { path, writer } = walDatabase();
    const before = fileSize(path);
    commitRows(writer);
    expect(fileSize(path)).toBeGreaterThan(before + 64 * 4096);
  });

  it('is checkpointed by a helper\'s wal-checkpoint task as well', async () => {
    const { path, writer } = walDatabase();
    const before = fileSize(path);
    leaveCheckpointToLater(writer);
    commitRows(writer);
    expect(await runHelperTask({ kind: 'wal-checkpoint', path, busyTimeoutMs: 1000 })).toEqual({ ok: true });
    expect(fileSize(path)).toBeGreaterThan(before + 64 * 4096);
  });
});

describe('checkpointWriteAheadLog', () => {
  it('answers false, and throws nothing, for a file that is not a database or is not there', () => {
    const folder = temporaryFolder();
    const notADatabase = join(folder, 'notes.sqlite');
    writeFileSync(notADatabase, 'not a database, just text that is long enough to have a header'.repeat(4));
    expect(checkpointWriteAheadLog(notADatabase, 100)).toBe(false);
    expect(checkpointWriteAheadLog(join(folder, 'missing.sqlite'), 100)).toBe(false);
  });
});
