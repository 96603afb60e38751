import type Database from 'better-sqlite3';
import { DatabaseUnusableError, toDatabaseUnusableError } from './database-unusable-error.js';
import type { IndexRow, IndexRowSummary } from './index-row.js';
import { LEDGER_TRIGGER_STATEMENT, LEDGER_TRIGGERS, type LedgerEntry, type LedgerLink } from './ledger-entry.js';
import { forEachRowById, inReadTransaction } from './rows-by-id.js';

/**
 * Read-only queries on the index database. Every query names its columns: the real server's tables
 * have many more, in another order, and `SELECT *` would tie opsheal to one version of them.
 */

type Db = Database.Database;

/** The memory_index columns opsheal reads, in IndexRow order. */
export const INDEX_ROW_COLUMNS = [
  'id',
  'spec_folder',
  'file_path',
  'anchor_id',
  'title',
  'trigger_phrases',
  'importance_tier',
  'context_type',
  'session_id',
  'content_hash',
  'file_mtime_ms',
  'embedding_status',
  'created_at',
  'updated_at',
] as const;

/** The mutation_ledger columns opsheal reads, in LedgerEntry order. */
export const LEDGER_COLUMNS = [
  'id',
  'timestamp',
  'mutation_type',
  'reason',
  'prior_hash',
  'new_hash',
  'linked_memory_ids',
  'decision_meta',
  'actor',
  'session_id',
] as const;

/** True when a table, view or virtual table of that name exists. */
export function tableExists(db: Db, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?").get(name) !== undefined;
}

/** Throws a non-retryable {@link DatabaseUnusableError} naming the first table that does not exist. */
export function requireTables(db: Db, names: readonly string[]): void {
  for (const name of names) {
    if (!tableExists(db, name)) {
      throw new DatabaseUnusableError(`the index database has no table ${name}`, { retryable: false, code: 'SQLITE_ERROR' });
    }
  }
}

/** Throws a non-retryable {@link DatabaseUnusableError} naming the table's missing columns, if any. */
export function requireColumns(db: Db, table: string, columns: readonly string[]): void {
  requireTables(db, [table]);
  const present = new Set(
    (db.prepare('SELECT name FROM pragma_table_info(?)').all(table) as Array<{ name: string }>).map((column) => column.name),
  );
  const missing = columns.filter((column) => !present.has(column));
  if (missing.length > 0) {
    throw new DatabaseUnusableError(`table ${table} has no column ${missing.join(', ')}`, { retryable: false, code: 'SQLITE_ERROR' });
  }
}

/**
 * Throws a non-retryable {@link DatabaseUnusableError} when memory_index holds a row whose id a
 * JavaScript number cannot hold exactly (beyond ±2^53 - 1). Read as the nearest number, such an id
 * names another memory, or none: a repair would write for the wrong id, and a ledger entry record a
 * memory that does not exist, on every heal. A look-up of the rowid's two ends, not a scan.
 */
export function requireExactIds(db: Db): void {
  const inexact = db
    .prepare(`SELECT count(*) AS n, CAST(min(id) AS TEXT) AS first FROM memory_index WHERE id > ${Number.MAX_SAFE_INTEGER} OR id < -${Number.MAX_SAFE_INTEGER}`)
    .get() as { n: number; first: string | null };
  if (inexact.n > 0) {
    throw new DatabaseUnusableError(
      `memory_index has ${inexact.n} row(s) with an id beyond ±${Number.MAX_SAFE_INTEGER} (the first: ${inexact.first ?? '?'}), which opsheal cannot address exactly: ` +
        'give those rows ids within that range (the memory server numbers its rows from 1), then check again',
      { retryable: false },
    );
  }
}

/**
 * Every memory_index row (opsheal's columns only), by id; or, with `mostRecent: N`, the N most
 * recently updated rows (newest first, ties by id), the session-ambiguity sample. File paths come
 * back as stored.
 */
export function readIndexRows(db: Db, options: { readonly mostRecent?: number } = {}): IndexRow[] {
  requireColumns(db, 'memory_index', INDEX_ROW_COLUMNS);
  requireExactIds(db);
  const order = options.mostRecent !== undefined ? `ORDER BY updated_at DESC, id DESC LIMIT ${Math.max(0, Math.floor(options.mostRecent))}` : 'ORDER BY id';
  const rows = query(db, `SELECT ${INDEX_ROW_COLUMNS.join(', ')} FROM memory_index ${order}`);
  return rows.map((row) => ({
    id: Number(row[0]),
    specFolder: text(row[1]) ?? '',
    filePath: text(row[2]) ?? '',
    anchorId: text(row[3]),
    title: text(row[4]),
    triggerPhrases: text(row[5]),
    importanceTier: text(row[6]),
    contextType: text(row[7]),
    sessionId: text(row[8]),
    contentHash: text(row[9]),
    fileMtimeMs: integer(row[10]),
    embeddingStatus: text(row[11]),
    createdAt: text(row[12]) ?? '',
    updatedAt: text(row[13]) ?? '',
  }));
}

/**
 * Every memory_index row's summary (id, path, anchor, session, hash, embedding status), by id: what
 * index-drift and ledger-mismatch judge rows by, read without the columns they do not look at.
 *
 * `earlier`: summaries read before (by id), whose objects are handed out again for the rows that
 * still hold exactly those values. Every row is read and compared all the same; what is saved is
 * memory. A heal reads the 100,000 rows again after each commit, and the objects of each such read
 * live long enough to be moved into the old generation, where a read that copies them all again
 * leaves its whole predecessor as garbage that no collection reclaims before the run ends.
 *
 * `changedIds` (ascending): the caller knows that every row not listed there is still as `earlier`
 * holds it (index-read-cache.ts confirms it with SQLite, followTrackedCommit), so only the listed
 * rows are read, and the others are handed out as they were. The table's row count, read in the same
 * transaction, must then equal the count of rows handed out; if it does not (a row went in a way the
 * caller could not see), every row is read after all.
 */
export function readIndexRowSummaries(db: Db, earlier: readonly IndexRowSummary[] = [], changedIds?: readonly number[]): IndexRowSummary[] {
  requireColumns(db, 'memory_index', INDEX_ROW_COLUMNS);
  requireExactIds(db);
  try {
    const patched = changedIds !== undefined ? patchedRowSummaries(db, earlier, changedIds) : undefined;
    if (patched !== undefined) return patched;
    const rows: IndexRowSummary[] = [];
    const sameAsBefore = earlierById(earlier);
    forEachRowById(db, 'memory_index', SUMMARY_COLUMNS, (row) => {
      rows.push(rowSummary(row, sameAsBefore(Number(row[0]))));
    });
    return rows;
  } catch (error) {
    throw toDatabaseUnusableError(error);
  }
}

/** The memory_index columns of a row's summary, after its id. */
const SUMMARY_COLUMNS = ['file_path', 'anchor_id', 'session_id', 'content_hash', 'embedding_status'] as const;

/** A raw row (`id`, then SUMMARY_COLUMNS) as a summary: `before` itself when it holds exactly these values. */
function rowSummary(row: unknown[], before: IndexRowSummary | undefined): IndexRowSummary {
  const id = Number(row[0]);
  const filePath = text(row[1]) ?? '';
  const anchorId = text(row[2]);
  const sessionId = text(row[3]);
  const contentHash = text(row[4]);
  const status = text(row[5]);
  if (
    before !== undefined &&
    before.id === id &&
    before.filePath === filePath &&
    before.anchorId === anchorId &&
    before.sessionId === sessionId &&
    before.contentHash === contentHash &&
    before.embeddingStatus === status
  ) {
    return before;
  }
  return { id, filePath, anchorId, sessionId, contentHash, embeddingStatus: status === null ? null : shared(status) };
}

/**
 * `earlier` with the rows whose ids are in `changedIds` read again (gone, changed or new), in id
 * order; `undefined` when the table does not hold as many rows as that comes to.
 */
function patchedRowSummaries(db: Db, earlier: readonly IndexRowSummary[], changedIds: readonly number[]): IndexRowSummary[] | undefined {
  // One read transaction, so that the changed rows and the count are one state of the database.
  const { fresh, count } = inReadTransaction(db, () => ({
    fresh: db
      .prepare(`SELECT id, ${SUMMARY_COLUMNS.join(', ')} FROM memory_index WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id`)
      .raw(true)
      .all(JSON.stringify(changedIds)) as unknown[][],
    count: Number(db.prepare('SELECT count(*) FROM memory_index').pluck().get()),
  }));
  const rows: IndexRowSummary[] = [];
  let next = 0;
  let changed = 0;
  const freshBefore = (id: number): void => {
    while (next < fresh.length && Number((fresh[next] as unknown[])[0]) < id) rows.push(rowSummary(fresh[next++] as unknown[], undefined));
  };
  for (const before of earlier) {
    freshBefore(before.id);
    while (changed < changedIds.length && (changedIds[changed] as number) < before.id) changed += 1;
    if (changedIds[changed] !== before.id) rows.push(before);
    else if (next < fresh.length && Number((fresh[next] as unknown[])[0]) === before.id) rows.push(rowSummary(fresh[next++] as unknown[], before));
    // Otherwise the row is gone.
  }
  freshBefore(Number.POSITIVE_INFINITY);
  return rows.length === count ? rows : undefined;
}

/**
 * Every mutation_ledger entry's links (id, type, new hash, linked memory ids), by id. `earlier`:
 * links read before, handed out again for the entries that still hold exactly those values, as
 * readIndexRowSummaries does with rows. `onlyAppended`: the caller knows that the ledger still holds
 * every entry of `earlier` unchanged and has only gained entries after its last (index-read-cache.ts
 * confirms it with SQLite), so only those are read.
 */
export function readLedgerLinks(db: Db, earlier: readonly LedgerLink[] = [], onlyAppended = false): LedgerLink[] {
  requireColumns(db, 'mutation_ledger', LEDGER_COLUMNS);
  const last = onlyAppended ? earlier[earlier.length - 1] : undefined;
  const links: LedgerLink[] = last !== undefined ? earlier.slice() : [];
  const sameAsBefore = earlierById(last !== undefined ? [] : earlier);
  try {
    forEachRowById(db, 'mutation_ledger', ['mutation_type', 'new_hash', 'linked_memory_ids'], (row) => {
      const id = Number(row[0]);
      const type = text(row[1]) ?? '';
      const newHash = text(row[2]) ?? '';
      const linked = text(row[3]);
      const before = sameAsBefore(id);
      if (before !== undefined && before.mutationType === type && before.newHash === newHash && linksSameIds(linked, before.linkedMemoryIds)) {
        links.push(before);
      } else {
        links.push({ id, mutationType: shared(type), newHash, linkedMemoryIds: parseLinkedIds(linked) });
      }
    }, last?.id);
  } catch (error) {
    throw toDatabaseUnusableError(error);
  }
  return links;
}

/**
 * A look-up of earlier values by id, for ids asked in ascending order (a read `ORDER BY id`): one
 * walk through `earlier`, itself by id, with no map built.
 */
function earlierById<T extends { readonly id: number }>(earlier: readonly T[]): (id: number) => T | undefined {
  let at = 0;
  return (id) => {
    while (at < earlier.length && (earlier[at] as T).id < id) at += 1;
    const candidate = earlier[at];
    return candidate !== undefined && candidate.id === id ? candidate : undefined;
  };
}

/** Whether a `linked_memory_ids` value names exactly these ids, in this order (as parseLinkedIds reads it). */
function linksSameIds(value: string | null, ids: readonly number[]): boolean {
  const single = value === null ? undefined : singleLinkedId(value);
  if (single !== undefined) return ids.length === 1 && ids[0] === single;
  const parsed = parseLinkedIds(value);
  return parsed.length === ids.length && parsed.every((id, index) => id === ids[index]);
}

/** Every mutation_ledger entry, by id. */
export function readLedgerEntries(db: Db): LedgerEntry[] {
  requireColumns(db, 'mutation_ledger', LEDGER_COLUMNS);
  const rows = query(db, `SELECT ${LEDGER_COLUMNS.join(', ')} FROM mutation_ledger ORDER BY id`);
  return rows.map((row) => ({
    id: Number(row[0]),
    timestamp: text(row[1]),
    mutationType: text(row[2]) ?? '',
    reason: text(row[3]) ?? '',
    priorHash: text(row[4]),
    newHash: text(row[5]) ?? '',
    linkedMemoryIds: parseLinkedIds(text(row[6])),
    decisionMeta: text(row[7]),
    actor: text(row[8]) ?? '',
    sessionId: text(row[9]),
  }));
}

/** What stands where one of the ledger's guard triggers should be, when it does not guard. */
export type LedgerGuardFault =
  /** A trigger of that name on mutation_ledger that does not abort every UPDATE (or DELETE). */
  | { readonly kind: 'not-a-guard' }
  /** The name is taken by something else (a trigger on another table, an index, a table). */
  | { readonly kind: 'name-taken'; readonly by: string };

/** The ledger's two append-only triggers: which guard as they must, and what is wrong with the others. */
export interface LedgerGuards {
  /** The names, in LEDGER_TRIGGERS order, of the triggers that abort every UPDATE or DELETE of mutation_ledger. */
  readonly working: string[];
  /** The names that exist but do not guard (a missing name is in neither). */
  readonly faults: Readonly<Record<string, LedgerGuardFault>>;
}

/**
 * Judges the ledger's guard triggers by what they do, not by their name alone: one that is there must
 * be on mutation_ledger, fire on every UPDATE (DELETE) of it (no `OF` columns, no `WHEN`), and raise
 * ABORT, FAIL or ROLLBACK. A trigger of the right name that only selects, or a name taken on another
 * table, leaves the ledger open to rewriting all the same.
 */
export function ledgerGuards(db: Db): LedgerGuards {
  const holders = new Map(
    (db.prepare(`SELECT name, type, tbl_name AS tableName, sql FROM sqlite_master WHERE name IN (${LEDGER_TRIGGERS.map(() => '?').join(', ')})`).all(...LEDGER_TRIGGERS) as Array<{
      name: string;
      type: string;
      tableName: string;
      sql: string | null;
    }>).map((holder) => [holder.name, holder]),
  );
  const working: string[] = [];
  const faults: Record<string, LedgerGuardFault> = {};
  for (const name of LEDGER_TRIGGERS) {
    const holder = holders.get(name);
    if (holder === undefined) continue;
    if (holder.type !== 'trigger' || holder.tableName !== 'mutation_ledger') {
      faults[name] = { kind: 'name-taken', by: holder.type === 'trigger' ? `a trigger on ${holder.tableName}` : `${holder.type === 'index' ? 'an' : 'a'} ${holder.type}` };
    } else if (guardsEvery(holder.sql ?? '', LEDGER_TRIGGER_STATEMENT[name])) {
      working.push(name);
    } else {
      faults[name] = { kind: 'not-a-guard' };
    }
  }
  return { working, faults };
}

function guardsEvery(sql: string, statement: string): boolean {
  const header = new RegExp(
    String.raw`^\s*CREATE\s+(?:TEMP(?:ORARY)?\s+)?TRIGGER\s+(?:IF\s+NOT\s+EXISTS\s+)?(?:"[^"]*"|\`[^\`]*\`|\[[^\]]*\]|[^\s(]+)\s+` +
      String.raw`(?:BEFORE|AFTER)\s+${statement}\s+ON\s+(?:main\s*\.\s*)?(?:"mutation_ledger"|\`mutation_ledger\`|\[mutation_ledger\]|mutation_ledger)\s+` +
      String.raw`(?:FOR\s+EACH\s+ROW\s+)?BEGIN\b`,
    'i',
  );
  return header.test(sql) && /\bRAISE\s*\(\s*(?:ABORT|FAIL|ROLLBACK)\s*,/i.test(sql);
}

/**
 * The rowids of vec_memories, ascending; `undefined` when there is no such table or sqlite-vec is
 * not loaded into this connection (vectors cannot be checked, which the caller should say).
 */
export function readVectorIds(db: Db): number[] | undefined {
  if (!tableExists(db, 'vec_memories')) return undefined;
  try {
    // Sorted here: sqlite-vec gives no order, so `ORDER BY` would make SQLite sort in a temporary
    // B-tree, which costs as much again as the scan; the scan order is usually ascending already.
    return ascending(rowids(db, 'SELECT rowid AS value FROM vec_memories'));
  } catch (error) {
    if (/no such module/.test(error instanceof Error ? error.message : '')) return undefined;
    throw toDatabaseUnusableError(error);
  }
}

/** The numbers in ascending order: as they are when they already are (one pass), else sorted. */
function ascending(numbers: number[]): number[] {
  for (let index = 1; index < numbers.length; index += 1) {
    if ((numbers[index - 1] as number) > (numbers[index] as number)) return numbers.sort((a, b) => a - b);
  }
  return numbers;
}

/**
 * The ids present in the FTS index, ascending, from FTS5's `memory_fts_docsize` shadow table (one
 * row per indexed document). Throws a non-retryable error when the FTS tables are missing.
 */
export function readFtsIndexedIds(db: Db): number[] {
  requireTables(db, ['memory_fts', 'memory_fts_docsize']);
  try {
    // Its rowid order, which is ascending; checked all the same, as for the vector ids.
    return ascending(rowids(db, 'SELECT id AS value FROM memory_fts_docsize'));
  } catch (error) {
    throw toDatabaseUnusableError(error);
  }
}

/** The writes to memory_index that can leave FTS behind, each of which a trigger must carry over. */
const ROW_EVENTS = ['INSERT', 'UPDATE', 'DELETE'] as const;

/**
 * The writes to memory_index (INSERT, UPDATE, DELETE) that no trigger on it carries over to
 * memory_fts: the server keeps FTS in step through such triggers, and where one is missing, every
 * such write (a repair's own included) leaves FTS out of step.
 */
export function readFtsTriggerGaps(db: Db): string[] {
  const triggers = (db.prepare(`SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'memory_index' AND sql LIKE '%memory_fts%'`).all() as Array<{ sql: string | null }>)
    .map((trigger) => trigger.sql ?? '');
  return ROW_EVENTS.filter((event) => !triggers.some((sql) => new RegExp(String.raw`\b(?:BEFORE|AFTER)\s+${event}\b`, 'i').test(sql)));
}

/**
 * The memory ids a `linked_memory_ids` value names: a JSON array whose integers (or digit strings)
 * are kept and anything else skipped; invalid JSON or a non-array gives none.
 */
export function parseLinkedIds(value: string | null): number[] {
  if (value === null || value === '') return [];
  // The server's usual value, `[123]`, once per ledger entry: read without JSON.parse, which costs
  // several times as much and leaves an array behind for the collector, 100,000 times a check.
  const single = singleLinkedId(value);
  if (single !== undefined) return [single];
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  const ids: number[] = [];
  for (const item of parsed) {
    if (typeof item === 'number' && Number.isSafeInteger(item)) ids.push(item);
    else if (typeof item === 'string' && /^\d{1,15}$/.test(item)) ids.push(Number(item));
  }
  return ids;
}

/** The id of a value that is exactly `[` digits `]` as JSON writes it (no leading zero, at most 15 digits); else undefined. */
function singleLinkedId(value: string): number | undefined {
  const last = value.length - 1;
  if (last < 2 || last > 16 || value.charCodeAt(0) !== 91 /* [ */ || value.charCodeAt(last) !== 93 /* ] */) return undefined;
  if (value.charCodeAt(1) === 48 /* 0 */ && last > 2) return undefined;
  let id = 0;
  for (let index = 1; index < last; index += 1) {
    const digit = value.charCodeAt(index) - 48;
    if (digit < 0 || digit > 9) return undefined;
    id = id * 10 + digit;
  }
  return id;
}

/**
 * The `value` column of a query's rows (rowids: always integers, so JSON writes them exactly), in the
 * order SQLite aggregates them, read as one JSON array that SQLite writes. Handing 100,000 ids over
 * one by one costs better-sqlite3 a call and a value each: 16 to 19 ms for the FTS ids against 10 to
 * 11 ms this way, 42 to 48 ms for the vector ids against 32 to 41 ms (20 alternating reads each,
 * minimum to median).
 */
function rowids(db: Db, sql: string): number[] {
  return JSON.parse(db.prepare(`SELECT json_group_array(value) FROM (${sql})`).pluck(true).get() as string) as number[];
}

function query(db: Db, sql: string): unknown[][] {
  try {
    return db.prepare(sql).raw(true).all() as unknown[][];
  } catch (error) {
    throw toDatabaseUnusableError(error);
  }
}

/** SQLite is dynamically typed: a TEXT column may hold a number, and a server may have put one there. */
function text(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return String(value);
}

/**
 * The same strings text() gives, with the usual values shared: 100,000 rows would otherwise hold
 * 100,000 copies of "success" and "create".
 */
const COMMON_VALUES = new Map<string, string>(
  ['pending', 'success', 'failed', 'retry', 'partial', 'create', 'update', 'delete', 'merge', 'archive', 'restore', 'reindex'].map((value) => [value, value]),
);

/** The shared copy of an embedding status or mutation type, or the value itself when it is not a usual one. */
function shared(value: string): string {
  return COMMON_VALUES.get(value) ?? value;
}

function integer(value: unknown): number | null {
  if (value === null || value === undefined || value === '') return null;
  const number = typeof value === 'bigint' ? Number(value) : Number(value);
  return Number.isFinite(number) ? Math.trunc(number) : null;
}
