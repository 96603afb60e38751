import type { Database } from 'better-sqlite3';
import { statSync } from 'node:fs';
import { openIndexDatabase } from '../workspace/index-database.js';
import { idIsSafeRowid } from '../workspace/rows-by-id.js';
import type { LiveContext } from './live-class.js';

/**
 * Whole-table reads of the index database that one run makes again and again (`heal all` reads
 * every row in index-drift's detect, in its repair's plan and in its verify, and again in
 * ledger-mismatch's three steps), kept and handed out again while the database has not changed.
 *
 * "Not changed" is SQLite's own answer: `PRAGMA data_version` on a connection kept open for the
 * purpose changes whenever any other connection, in this process or another, commits. A value is
 * kept only when the version was the same before and after it was read, so it is the state of that
 * version; it is handed out only while the version still is. A database file replaced by another
 * (a restore) starts afresh. Values are shared: callers must treat them as read-only, and must not
 * read through this on a connection holding changes it has not committed.
 *
 * The watching connection is closed at exit, or after a couple of idle seconds, whichever is first.
 */

interface Watcher {
  /** Distinct for every watching connection this process opens: versions of two are not comparable. */
  readonly serial: number;
  readonly path: string;
  readonly db: Database;
  readonly fileIdentity: string;
  readonly values: Map<string, Kept>;
  /** Values of a table that a commit of the run's own changed, in a way SQLite confirmed (see Carried). */
  readonly carried: Map<string, Carried>;
  /** Values of earlier versions, by key, each kept only until that key is read again (see cachedIndexRead). */
  readonly earlier: Map<string, unknown>;
  idleTimer?: NodeJS.Timeout;
}

/** A value read at a version of the database, and the table it was read from. */
interface Kept {
  readonly version: number;
  readonly value: unknown;
  readonly table: string;
}

/**
 * A value of its table carried over to the version a commit of the run's own made: at that version
 * it still holds every row of the table up to its last, with only rows after it appended since
 * (`since: 'appended'`, followAppendOnlyCommit), or every row but those with the ids listed, which
 * the commit changed (followTrackedCommit).
 */
interface Carried extends Kept {
  readonly since: 'appended' | readonly number[];
}

const IDLE_CLOSE_MS = 10_000;
const watchers = new WeakMap<LiveContext, Watcher>();
const openWatchers = new Set<Watcher>();
let exitHookInstalled = false;
let watchersOpened = 0;

/**
 * `read()`'s value, or the one kept from an earlier call with the same key while the database is
 * unchanged. `table` names the table the value is read from. Once the database has changed, `read`
 * is given the value that key had before (or `undefined`): a reader may hand out its objects again
 * for what is still the same (readIndexRowSummaries does), rather than leave a whole earlier copy as
 * garbage. Only its elements are passed on, in an array of its own: what is kept by the earlier
 * array's identity (remembered-detection.ts) goes with it. `onlyAppended` is true when SQLite has
 * confirmed that the only change since is rows appended to `table` by this run's own commit
 * (followAppendOnlyCommit): `earlier` is then every row up to its last, and only later rows need reading.
 * `changedIds`, when given, lists (ascending) the only rows of `table` that this run's own commit
 * changed (followTrackedCommit): `earlier` holds every other row as it still is, and only those need
 * reading. A reader may ignore either hint and read everything.
 */
export function cachedIndexRead<T>(
  context: LiveContext,
  key: string,
  table: string,
  read: (earlier: T | undefined, onlyAppended: boolean, changedIds?: readonly number[]) => T,
): T {
  const watcher = watcherFor(context);
  const before = watcher === undefined ? undefined : dataVersion(watcher);
  if (watcher === undefined || before === undefined) return read(undefined, false);
  const kept = watcher.values.get(key);
  if (kept !== undefined && kept.version === before) return kept.value as T;
  const keep = (value: T): T => {
    if (dataVersion(watcher) === before) watcher.values.set(key, { version: before, value, table });
    else watcher.values.delete(key);
    return value;
  };
  const carried = watcher.carried.get(key);
  watcher.carried.delete(key);
  if (carried !== undefined && carried.version === before) {
    return keep(carried.since === 'appended' ? read(carried.value as T, true) : read(carried.value as T, false, carried.since));
  }
  // Whatever was kept from an earlier version will never be handed out again: it stays only as
  // what the next read of its key may reuse.
  for (const kind of [watcher.values, watcher.carried]) {
    for (const [staleKey, stale] of kind) {
      if (stale.version === before) continue;
      kind.delete(staleKey);
      watcher.earlier.set(staleKey, elementsOf(stale.value));
    }
  }
  const earlier = (carried !== undefined ? elementsOf(carried.value) : watcher.earlier.get(key)) as T | undefined;
  watcher.earlier.delete(key);
  return keep(read(earlier, false));
}

/**
 * The value kept for `key` while the database is still at the version it was read at, without
 * reading anything: `undefined` when there is none (never read, or the database changed since).
 */
export function keptIndexRead<T>(context: LiveContext, key: string): T | undefined {
  const watcher = watchers.get(context);
  // No watcher is opened for the asking; one watching another file (a restore replaced it) knows nothing.
  if (watcher === undefined || !stillWatching(watcher, context.paths.db, fileIdentity(context.paths.db))) return undefined;
  const kept = watcher.values.get(key);
  return kept !== undefined && kept.version === dataVersion(watcher) ? (kept.value as T) : undefined;
}

/**
 * Follows a repair's commit that should do nothing but append rows to `table`, so that what was
 * read just before it carries over to the version it makes: `heal all`'s ledger-mismatch verify
 * would otherwise read the 100,000 rows and the whole ledger again, after a commit that only added
 * ledger entries. Call it on the repair's connection inside its transaction, after the plan and
 * before the first change; call what it returns straight after COMMIT.
 *
 * Nothing is taken on trust. The commit carries values over only when SQLite confirms both that
 * every row it changed (its triggers' included: `total_changes()`) is a row of `table` with an id
 * above every id there before, and that no other connection committed in between (the repair
 * connection's `data_version` does not move for its own commits, and moves for anyone else's). Then
 * values of the other tables hold as they are, and those of `table` hold up to their last row.
 * Otherwise nothing carries over, and every key is read again, as after any commit.
 */
export function followAppendOnlyCommit(context: LiveContext, db: Database, table: string): () => void {
  const quoted = `"${table.replaceAll('"', '""')}"`;
  return followOwnCommit(
    context,
    db,
    () => ({ lastId: nullableNumber(db.prepare(`SELECT max(id) FROM ${quoted}`).pluck().get()), changesBefore: totalChanges(db) }),
    ({ lastId, changesBefore }) => {
      const appended = Number(
        lastId === null ? db.prepare(`SELECT count(*) FROM ${quoted}`).pluck().get() : db.prepare(`SELECT count(*) FROM ${quoted} WHERE id > ?`).pluck().get(lastId),
      );
      if (totalChanges(db) - changesBefore !== appended) return undefined;
      return (watcher, from, to) => {
        for (const [key, kept] of watcher.values) {
          if (kept.version !== from) continue;
          if (kept.table === table) {
            watcher.values.delete(key);
            watcher.carried.set(key, { ...kept, version: to, since: 'appended' });
          } else {
            watcher.values.set(key, { ...kept, version: to });
          }
        }
      };
    },
  );
}

/** The temporary table (on the repair's connection only) that followTrackedCommit's triggers fill. */
const CHANGED_IDS = 'opsheal_changed_ids';

/**
 * Follows a repair's commit that changes rows of `table` in any way (index-drift's inserts, updates
 * and deletes of memory_index), so that what the run read of `table` just before it carries over to
 * the version the commit makes, but for the rows the commit changed, which are all that the next
 * read of it need read: index-drift's verify would otherwise read the 100,000 rows again after a
 * repair that changed a tenth of them. Call it on the repair's connection inside its transaction,
 * after the plan and before the first change; call what it returns straight after COMMIT.
 *
 * SQLite itself lists the rows: temporary triggers on `table`, which exist on the repair's
 * connection alone (the memory server never sees them) and go with its transaction if it rolls
 * back, record the id of every row inserted, updated (old and new id) or deleted by anything the
 * transaction runs, the server's own triggers included. One change no trigger sees is a row removed
 * by `REPLACE` conflict resolution; a reader that carries rows over must therefore check the count
 * of rows it ends with against the table's (readIndexRowSummaries does). As for
 * followAppendOnlyCommit, nothing carries over when another connection committed in between, and
 * only when `id` is the table's rowid, so that the ids name the rows exactly. The values of other
 * tables carry over to nothing: the commit may have changed those too.
 */
export function followTrackedCommit(context: LiveContext, db: Database, table: string): () => void {
  return followOwnCommit(
    context,
    db,
    (watcher, from) => {
      // Nothing read of the table at this version: nothing to carry over, and no triggers to pay for.
      if (![...watcher.values.values()].some((kept) => kept.version === from && kept.table === table)) return undefined;
      if (!idIsSafeRowid(db, table)) return undefined;
      const target = `main."${table.replaceAll('"', '""')}"`;
      // Unqualified, as SQLite requires inside a trigger; a TEMP trigger finds the temporary table first.
      const record = (...ids: string[]): string => ids.map((id) => `INSERT INTO ${CHANGED_IDS} (id) VALUES (${id});`).join(' ');
      db.exec(`CREATE TEMP TABLE IF NOT EXISTS ${CHANGED_IDS} (id INTEGER NOT NULL); DELETE FROM temp.${CHANGED_IDS};`);
      for (const [event, body] of [['INSERT', record('NEW.id')], ['UPDATE', record('OLD.id', 'NEW.id')], ['DELETE', record('OLD.id')]] as const) {
        const name = `opsheal_track_${event.toLowerCase()}`;
        db.exec(`DROP TRIGGER IF EXISTS temp.${name}; CREATE TEMP TRIGGER ${name} AFTER ${event} ON ${target} BEGIN ${body} END;`);
      }
      return true;
    },
    () => {
      const changedIds = (db.prepare(`SELECT DISTINCT id FROM temp.${CHANGED_IDS} ORDER BY id`).pluck().all() as unknown[]).map(Number);
      if (!changedIds.every(Number.isSafeInteger)) return undefined;
      return (watcher, from, to) => {
        for (const [key, kept] of watcher.values) {
          if (kept.version !== from || kept.table !== table) continue;
          watcher.values.delete(key);
          watcher.carried.set(key, { ...kept, version: to, since: changedIds });
        }
      };
    },
  );
}

/**
 * What followAppendOnlyCommit and followTrackedCommit share. `before` runs inside the repair's
 * transaction, before its first change: what it returns is handed to `after`, and `undefined` means
 * nothing is to be followed. What is returned runs straight after COMMIT: it reads, in this order,
 * the watcher's version, then what the commit did (`after`, which answers how to carry the values
 * over, or `undefined` when the commit is not what was declared), then whether anyone else has
 * committed (the repair connection's `data_version` moves for anyone's commit but its own). Nobody
 * by the last read means nobody by the first two either; only then are the values carried over.
 * Any error on the way means nothing carries over, as after any commit.
 */
function followOwnCommit<Taken>(
  context: LiveContext,
  db: Database,
  before: (watcher: Watcher, from: number) => Taken | undefined,
  after: (taken: Taken) => ((watcher: Watcher, from: number, to: number) => void) | undefined,
): () => void {
  const nothing = (): void => undefined;
  const watcher = watcherFor(context);
  const from = watcher === undefined ? undefined : dataVersion(watcher);
  if (watcher === undefined || from === undefined) return nothing;
  let taken: Taken | undefined;
  let ownVersion: number;
  try {
    taken = before(watcher, from);
    ownVersion = Number(db.pragma('data_version', { simple: true }));
  } catch {
    return nothing;
  }
  if (taken === undefined) return nothing;
  const followed = taken;
  return () => {
    if (watchers.get(context) !== watcher || !watcher.db.open) return;
    try {
      const to = dataVersion(watcher);
      const carryOver = after(followed);
      const nobodyElse = Number(db.pragma('data_version', { simple: true })) === ownVersion;
      if (to === undefined || to === from || carryOver === undefined || !nobodyElse) return;
      carryOver(watcher, from, to);
    } catch {
      // Not confirmed: nothing carries over.
    }
  };
}

/** An array's elements in an array of its own (see cachedIndexRead); any other value as it is. */
function elementsOf(value: unknown): unknown {
  return Array.isArray(value) ? value.slice() : value;
}

function totalChanges(db: Database): number {
  return Number(db.prepare('SELECT total_changes()').pluck().get());
}

function nullableNumber(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

/**
 * Which version of the database is there now, as a token that changes whenever any connection (this
 * process's others included) commits, or the file is replaced (or the watching connection is closed
 * and opened again); `undefined` when that cannot be told.
 * Equal tokens mean the same committed state, so what was established about one (SQLite's checks
 * passed, a backup was taken of it) still holds.
 */
export function databaseVersion(context: LiveContext): string | undefined {
  const watcher = watcherFor(context);
  const version = watcher === undefined ? undefined : dataVersion(watcher);
  return watcher === undefined || version === undefined ? undefined : `${watcher.serial}#${version}`;
}

/** Whether the watcher is open on the very file at `path` now (`identity`: that file's, see fileIdentity). */
function stillWatching(watcher: Watcher, path: string, identity: string | undefined): boolean {
  return watcher.db.open && watcher.path === path && watcher.fileIdentity === identity;
}

function watcherFor(context: LiveContext): Watcher | undefined {
  const path = context.paths.db;
  const identity = fileIdentity(path);
  if (identity === undefined) return undefined;
  let watcher = watchers.get(context);
  if (watcher !== undefined && !stillWatching(watcher, path, identity)) {
    close(watcher);
    watcher = undefined;
  }
  if (watcher === undefined) {
    try {
      watcher = {
        serial: ++watchersOpened,
        path,
        db: openWatcher(path),
        fileIdentity: identity,
        values: new Map(),
        carried: new Map(),
        earlier: new Map(),
      };
    } catch {
      return undefined;
    }
    watchers.set(context, watcher);
    openWatchers.add(watcher);
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.once('exit', () => {
        for (const open of openWatchers) close(open);
      });
    }
  }
  const current = watcher;
  if (current.idleTimer !== undefined) clearTimeout(current.idleTimer);
  current.idleTimer = setTimeout(() => close(current), IDLE_CLOSE_MS);
  current.idleTimer.unref();
  return current;
}

/**
 * The watching connection, which never writes: opened as the steps' read connections are
 * (index-database.ts), read-write where that lets it take the `-wal` and `-shm` files with it when
 * it is the last to close, read-only where closing read-write would checkpoint a `-wal` file that
 * was there before the run into the database file.
 */
function openWatcher(path: string): Database {
  return openIndexDatabase(path, { readonly: true, busyTimeoutMs: 0, cacheKiB: 64 }).db;
}

function dataVersion(watcher: Watcher): number | undefined {
  try {
    return Number(watcher.db.pragma('data_version', { simple: true }));
  } catch {
    return undefined;
  }
}

function close(watcher: Watcher): void {
  if (watcher.idleTimer !== undefined) clearTimeout(watcher.idleTimer);
  watcher.values.clear();
  watcher.carried.clear();
  watcher.earlier.clear();
  openWatchers.delete(watcher);
  try {
    if (watcher.db.open) watcher.db.close();
  } catch {
    // Closing a connection that only read cannot lose anything.
  }
}

function fileIdentity(path: string): string | undefined {
  try {
    const stats = statSync(path);
    return `${stats.dev}:${stats.ino}`;
  } catch {
    return undefined;
  }
}
