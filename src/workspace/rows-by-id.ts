import type Database from 'better-sqlite3';

type Db = Database.Database;

/**
 * Rows a page of a read by rowid holds: enough that the calls into SQLite are few, few enough that
 * a page's arrays stay in the young generation.
 */
export const PAGE_ROWS = 2048;

/**
 * Hands `each` every row of `SELECT id, <columns> FROM <table> [WHERE id > <after>] ORDER BY id`,
 * raw (an array per row: the id, then the columns in order), one row at a time, in order.
 *
 * When `id` is the table's rowid (its only primary key column, with no index of its own) and every
 * id is an exact JavaScript number, the rows are read a page at a time, each page one `all()`
 * starting after the last id of the one before. better-sqlite3 then crosses into SQLite once a page
 * instead of once a row: 100,000 index rows or ledger entries were read in 20 to 30% less time
 * (docs/performance.md). The pages are read in one read transaction (begun here unless the
 * connection is already in one), so that they are one state of the database, as the rows of one
 * statement are. Any other table is read with one statement.
 */
export function forEachRowById(db: Db, table: string, columns: readonly string[], each: (row: unknown[]) => void, after?: number): void {
  const select = `SELECT id${columns.map((column) => `, ${column}`).join('')} FROM ${table}`;
  inReadTransaction(db, () => {
    const lowest = lowestPageableId(db, table);
    if (lowest === undefined) {
      const statement = db.prepare(`${select} ${after !== undefined ? 'WHERE id > ? ' : ''}ORDER BY id`).raw(true);
      for (const row of (after !== undefined ? statement.iterate(after) : statement.iterate()) as IterableIterator<unknown[]>) each(row);
      return;
    }
    const page = db.prepare(`${select} WHERE id > ? ORDER BY id LIMIT ${PAGE_ROWS}`).raw(true);
    let rows = (lowest === null ? [] : page.all(after ?? lowest - 1)) as unknown[][];
    while (rows.length > 0) {
      for (const row of rows) each(row);
      rows = page.all((rows[rows.length - 1] as unknown[])[0]) as unknown[][];
    }
  });
}

/**
 * `work()`'s value, read in one read transaction (begun here unless the connection is already in
 * one), so that all its statements see one state of the database, as one statement's rows do.
 */
export function inReadTransaction<T>(db: Db, work: () => T): T {
  const ownTransaction = !db.inTransaction;
  if (ownTransaction) db.exec('BEGIN');
  try {
    return work();
  } finally {
    // A failed statement may have ended the transaction already (SQLite rolls back on some errors).
    if (ownTransaction && db.inTransaction) db.exec('COMMIT');
  }
}

/**
 * Whether `id` is the table's rowid and every id an exact JavaScript number: then each row is one id,
 * and a set of ids names exactly the rows it holds (index-read-cache.ts, followTrackedCommit).
 */
export function idIsSafeRowid(db: Db, table: string): boolean {
  return lowestPageableId(db, table) !== undefined;
}

/**
 * The table's lowest id when `id` is its rowid and every id is a safe integer (`null` for an empty
 * table): then `WHERE id > ?` with the last id read picks up exactly where a page ended. `undefined`
 * when the table must be read with one statement.
 */
function lowestPageableId(db: Db, table: string): number | null | undefined {
  const keys = db.prepare('SELECT name FROM pragma_table_info(?) WHERE pk > 0').all(table) as Array<{ name: string }>;
  if (keys.length !== 1 || keys[0]?.name !== 'id') return undefined;
  // Only a key declared `INTEGER PRIMARY KEY` of a rowid table is the rowid; any other has an index of
  // its own (so do `INTEGER PRIMARY KEY DESC` and `WITHOUT ROWID`), and may hold NULLs, text or repeats.
  if (db.prepare(`SELECT 1 FROM pragma_index_list(?) WHERE origin = 'pk'`).get(table) !== undefined) return undefined;
  // One query each: SQLite finds a lone min() or max() of the rowid at an end of the table's b-tree,
  // where both in one query would scan the whole table (or an index).
  const [lowest, highest] = ['min', 'max'].map((end) => db.prepare(`SELECT ${end}(id) FROM ${table}`).pluck().get());
  if (lowest === null) return null;
  return Number.isSafeInteger(lowest) && Number.isSafeInteger(highest) ? (lowest as number) : undefined;
}
