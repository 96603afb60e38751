import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { forEachRowById, PAGE_ROWS } from '../../src/workspace/rows-by-id.js';
import { useTemporaryFolders } from './temporary-folder.js';

const temporaryFolder = useTemporaryFolders();

/** A database in its own file, with table `t` made by `ddl` and filled with `ids` (value `v<id>`). */
function tableWith(ddl: string, ids: readonly (number | bigint)[]): { db: Database.Database; path: string } {
  const path = join(temporaryFolder(), 'rows.sqlite');
  const db = new Database(path);
  db.exec(ddl);
  const insert = db.prepare('INSERT INTO t (id, v) VALUES (?, ?)');
  db.transaction(() => {
    for (const id of ids) insert.run(id, `v${id}`);
  })();
  return { db, path };
}

function handedOut(db: Database.Database, after?: number): unknown[][] {
  const rows: unknown[][] = [];
  forEachRowById(db, 't', ['v'], (row) => rows.push(row), after);
  return rows;
}

function plainRead(db: Database.Database, after?: number): unknown[][] {
  const where = after !== undefined ? 'WHERE id > ? ' : '';
  const statement = db.prepare(`SELECT id, v FROM t ${where}ORDER BY id`).raw(true);
  return (after !== undefined ? statement.all(after) : statement.all()) as unknown[][];
}

/** Ids with gaps, spanning several pages. */
const SPREAD_IDS = Array.from({ length: 2 * PAGE_ROWS + 17 }, (_, index) => 3 * index + (index % 3));

describe('forEachRowById', () => {
  it('hands out every row of a rowid table in id order, across pages, and from after an id', () => {
    const { db } = tableWith('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)', [...SPREAD_IDS].reverse());
    try {
      expect(handedOut(db)).toEqual(plainRead(db));
      expect(handedOut(db)).toHaveLength(SPREAD_IDS.length);
      // From inside the first page, from a page's last id exactly, and from past the end.
      for (const after of [10, SPREAD_IDS[PAGE_ROWS - 1] as number, SPREAD_IDS[PAGE_ROWS] as number, 1e9]) {
        expect(handedOut(db, after)).toEqual(plainRead(db, after));
      }
      expect(handedOut(db, 1e9)).toEqual([]);
    } finally {
      db.close();
    }
  });

  it('reads exactly a page, and an empty table', () => {
    for (const count of [0, 1, PAGE_ROWS, PAGE_ROWS + 1]) {
      const { db } = tableWith('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)', Array.from({ length: count }, (_, index) => index + 1));
      try {
        expect(handedOut(db)).toEqual(plainRead(db));
      } finally {
        db.close();
      }
    }
  });

  // Where id is not the rowid, a read that went on from the last id seen could skip or repeat rows.
  it.each([
    ['without a key, ids repeated across a page boundary', 'CREATE TABLE t (id INTEGER, v TEXT)'],
    ['INT PRIMARY KEY (not the rowid)', 'CREATE TABLE t (id INT PRIMARY KEY, v TEXT)'],
    ['INTEGER PRIMARY KEY DESC (not the rowid)', 'CREATE TABLE t (id INTEGER PRIMARY KEY DESC, v TEXT)'],
    ['WITHOUT ROWID', 'CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT) WITHOUT ROWID'],
    ['a key of two columns', 'CREATE TABLE t (id INTEGER, v TEXT, PRIMARY KEY (id, v))'],
  ])('hands out every row of a table %s', (_, ddl) => {
    const repeats = ddl.includes('(id INTEGER, v TEXT)');
    const ids = repeats ? Array.from({ length: PAGE_ROWS + 50 }, (_, index) => (index < PAGE_ROWS + 20 ? 7 : 9)) : SPREAD_IDS;
    const { db } = tableWith(ddl, ids);
    try {
      const rows = handedOut(db);
      expect(rows).toHaveLength(ids.length);
      expect(rows.map((row) => row[0])).toEqual(plainRead(db).map((row) => row[0]));
      expect(handedOut(db, 7)).toHaveLength(repeats ? 30 : plainRead(db, 7).length);
    } finally {
      db.close();
    }
  });

  it('hands out every row of a key that is not the rowid and holds NULLs, more than a page of them', () => {
    // SQLite lets a primary key that is not the rowid hold NULL; they sort first.
    const ids = [...Array.from({ length: PAGE_ROWS + 5 }, () => null), 4, 8];
    const path = join(temporaryFolder(), 'nulls.sqlite');
    const db = new Database(path);
    try {
      db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY DESC, v TEXT)');
      const insert = db.prepare('INSERT INTO t (id, v) VALUES (?, ?)');
      ids.forEach((id, index) => insert.run(id, `v${index}`));
      expect(handedOut(db)).toEqual(plainRead(db));
      expect(handedOut(db)).toHaveLength(ids.length);
    } finally {
      db.close();
    }
  });

  it('hands out every row once where ids are beyond what a JavaScript number holds exactly', () => {
    const top = 2n ** 53n;
    const ids = Array.from({ length: PAGE_ROWS + 40 }, (_, index) => top - 20n + BigInt(index));
    const { db } = tableWith('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)', ids);
    try {
      const values = handedOut(db).map((row) => row[1]);
      expect(values).toHaveLength(ids.length);
      expect(new Set(values).size).toBe(ids.length);
    } finally {
      db.close();
    }
  });

  it('reads one state of the database: a commit by another connection between pages is not seen', () => {
    const { db, path } = tableWith('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)', SPREAD_IDS);
    db.pragma('journal_mode = WAL');
    const writer = new Database(path);
    try {
      const lastId = SPREAD_IDS[SPREAD_IDS.length - 1] as number;
      const rows: unknown[][] = [];
      forEachRowById(db, 't', ['v'], (row) => {
        // Midway through the first page, another connection deletes a row of the last page and adds one after it.
        if (rows.length === 10) {
          writer.prepare('DELETE FROM t WHERE id = ?').run(lastId);
          writer.prepare('INSERT INTO t (id, v) VALUES (?, ?)').run(lastId + 1, 'late');
        }
        rows.push(row);
      });
      expect(rows.map((row) => row[0])).toEqual(SPREAD_IDS);
      expect(db.inTransaction).toBe(false);
      // The next read sees the commit.
      expect(handedOut(db).map((row) => row[0])).toEqual([...SPREAD_IDS.slice(0, -1), lastId + 1]);
    } finally {
      writer.close();
      db.close();
    }
  });

  it('reads inside the caller\'s transaction and leaves it open; ends its own when a read fails', () => {
    const { db } = tableWith('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)', SPREAD_IDS);
    try {
      db.exec('BEGIN');
      db.prepare('INSERT INTO t (id, v) VALUES (?, ?)').run(1e6, 'uncommitted');
      expect(handedOut(db).at(-1)).toEqual([1e6, 'uncommitted']);
      expect(db.inTransaction).toBe(true);
      db.exec('ROLLBACK');
      expect(() => forEachRowById(db, 't', ['no_such_column'], () => undefined)).toThrow(/no such column/);
      expect(db.inTransaction).toBe(false);
      expect(() =>
        forEachRowById(db, 't', ['v'], () => {
          throw new Error('stop');
        }),
      ).toThrow('stop');
      expect(db.inTransaction).toBe(false);
    } finally {
      db.close();
    }
  });
});
