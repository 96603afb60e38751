import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifySqliteError, DatabaseUnusableError, openIndexDatabase } from '../../src/workspace/index-database.js';
import { MEMORY_INDEX_DDL } from '../../src/workspace/server-schema.js';
import { thrown } from '../support/thrown.js';
import { useTemporaryFolders } from './temporary-folder.js';

const temporaryFolder = useTemporaryFolders();

function emptyDatabase(): string {
  const path = join(temporaryFolder(), 'index.sqlite');
  const db = new Database(path);
  db.exec(MEMORY_INDEX_DDL);
  db.close();
  return path;
}

describe('openIndexDatabase', () => {
  it('opens an existing database, loads sqlite-vec and leaves foreign keys off', () => {
    const opened = openIndexDatabase(emptyDatabase(), { busyTimeoutMs: 250 });
    try {
      expect(opened.vectors).toBe('loaded');
      expect(opened.vectorNote).toBeUndefined();
      expect(opened.db.pragma('busy_timeout', { simple: true })).toBe(250);
      expect(opened.db.pragma('foreign_keys', { simple: true })).toBe(0);
    } finally {
      opened.db.close();
    }
  });

  it('opens read-only when asked', () => {
    const opened = openIndexDatabase(emptyDatabase(), { readonly: true });
    try {
      expect(() => opened.db.exec("INSERT INTO memory_index (spec_folder, file_path, created_at, updated_at) VALUES ('a', 'b', 'c', 'd')")).toThrow(/readonly/);
    } finally {
      opened.db.close();
    }
  });

  it('never creates a database: a missing file is a non-retryable error naming the path', () => {
    const path = join(temporaryFolder(), 'missing.sqlite');
    const error = thrown(() => openIndexDatabase(path, {}));
    expect(error).toBeInstanceOf(DatabaseUnusableError);
    expect(error).toMatchObject({ retryable: false, code: 'SQLITE_CANTOPEN' });
    expect((error as Error).message).toContain(path);
    expect(thrown(() => openIndexDatabase(join(path, 'no-folder', 'x.sqlite'), {}))).toMatchObject({ retryable: false });
  });

  it('refuses a file that is not a database, at once and for good', () => {
    const path = join(temporaryFolder(), 'notes.sqlite');
    writeFileSync(path, 'this is a text file, not a database\n'.repeat(200));
    const error = thrown(() => openIndexDatabase(path, {}));
    expect(error).toMatchObject({ retryable: false, code: 'SQLITE_NOTADB' });
    expect((error as Error).message).toMatch(/^.*notes\.sqlite: file is not a database \(SQLITE_NOTADB\)/);
  });

  it('reports a database another connection holds exclusively as busy and retryable', () => {
    const path = emptyDatabase();
    const holder = new Database(path);
    holder.exec('BEGIN EXCLUSIVE');
    try {
      const error = thrown(() => openIndexDatabase(path, { busyTimeoutMs: 20 }));
      expect(error).toMatchObject({ retryable: true, code: 'SQLITE_BUSY' });
      expect((error as Error).message).not.toContain('\n');
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
  });
});

describe('classifySqliteError', () => {
  const sqliteError = (code: string, message: string): Error => Object.assign(new Error(message), { code });

  it.each([
    ['SQLITE_BUSY', true],
    ['SQLITE_BUSY_SNAPSHOT', true],
    ['SQLITE_LOCKED', true],
    ['SQLITE_LOCKED_SHAREDCACHE', true],
    ['SQLITE_NOTADB', false],
    ['SQLITE_CORRUPT', false],
    ['SQLITE_CORRUPT_VTAB', false],
    ['SQLITE_CANTOPEN', false],
    ['SQLITE_PERM', false],
    ['SQLITE_READONLY', false],
    ['EACCES', false],
    ['SQLITE_IOERR_SHORT_READ', false],
  ])('classifies %s as retryable: %s', (code, retryable) => {
    expect(classifySqliteError(sqliteError(code, 'boom')).retryable).toBe(retryable);
  });

  it('names a missing table or column, not retryable', () => {
    expect(classifySqliteError(sqliteError('SQLITE_ERROR', 'no such table: mutation_ledger'))).toEqual({
      retryable: false,
      message: 'the index database has no table mutation_ledger (no such table: mutation_ledger)',
    });
  });

  it('says what a read-only WAL folder and a hot journal mean and what to do, not only SQLite\'s "attempt to write a readonly database"', () => {
    const folder = classifySqliteError(sqliteError('SQLITE_READONLY_DIRECTORY', 'attempt to write a readonly database'));
    expect(folder.retryable).toBe(false);
    expect(folder.message).toContain('this user cannot write its folder, so SQLite cannot make the -shm file it needs to read it');
    const journal = classifySqliteError(sqliteError('SQLITE_READONLY_ROLLBACK', 'attempt to write a readonly database'));
    expect(journal.message).toContain('left a hot journal');
  });

  it('gives one line, whatever the message', () => {
    expect(classifySqliteError(sqliteError('SQLITE_CORRUPT', 'database disk image\nis malformed')).message).toBe(
      'database is corrupt (SQLITE_CORRUPT): database disk image is malformed',
    );
  });

  it("says SQLite's words once when they are the description itself", () => {
    expect(classifySqliteError(sqliteError('SQLITE_NOTADB', 'file is not a database')).message).toBe('file is not a database (SQLITE_NOTADB)');
    expect(classifySqliteError(sqliteError('SQLITE_BUSY', 'database is locked')).message).toBe(
      'database is busy (SQLITE_BUSY): database is locked',
    );
    expect(classifySqliteError(sqliteError('SQLITE_LOCKED', 'Database is locked')).message).toBe('database is locked (SQLITE_LOCKED)');
  });

  it('keeps the classification of a DatabaseUnusableError', () => {
    expect(classifySqliteError(new DatabaseUnusableError('busy elsewhere', { retryable: true }))).toEqual({ retryable: true, message: 'busy elsewhere' });
  });
});
