import type { Database } from 'better-sqlite3';
import { DatabaseUnusableError } from './database-unusable-error.js';

/** What SQLite's own checks say about the index database. */
export interface DatabaseIntegrity {
  /** `PRAGMA integrity_check` messages; empty when it says ok. */
  readonly problems: readonly { readonly kind: 'database-integrity'; readonly detail: string }[];
  /** FTS5's integrity check of memory_fts against memory_index; `undefined` when there is no memory_fts. */
  readonly ftsOk: boolean | undefined;
}

/**
 * Runs `PRAGMA integrity_check` and FTS5's `integrity-check` command (rank 1: compare the index
 * with its content table). The FTS check is issued as an INSERT, so it needs a writable connection,
 * though it changes nothing.
 */
export function databaseIntegrity(db: Database): DatabaseIntegrity {
  return { problems: integrityCheckProblems(db), ftsOk: ftsIntegrity(db) };
}

/** What `PRAGMA integrity_check` says: nothing when it says ok, else its first 20 messages. */
export function integrityCheckProblems(db: Database): DatabaseIntegrity['problems'] {
  const messages = (db.pragma('integrity_check') as { integrity_check: string }[]).map((row) => row.integrity_check);
  return messages.length === 1 && messages[0] === 'ok' ? [] : messages.slice(0, 20).map((detail) => ({ kind: 'database-integrity' as const, detail }));
}

/** FTS5's integrity check of memory_fts (writable connection): `undefined` when there is no memory_fts. */
export function ftsIntegrity(db: Database): boolean | undefined {
  const hasFts = db.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'memory_fts'`).get() !== undefined;
  if (!hasFts) return undefined;
  try {
    db.prepare(`INSERT INTO memory_fts(memory_fts, rank) VALUES ('integrity-check', 1)`).run();
    return true;
  } catch (error) {
    const code = String((error as { code?: unknown }).code ?? '');
    if (code.startsWith('SQLITE_CORRUPT')) return false;
    throw error;
  }
}

/**
 * Throws a non-retryable {@link DatabaseUnusableError} (code SQLITE_CORRUPT) when `PRAGMA
 * quick_check` finds the database damaged: corruption in pages no query of opsheal's reads (a
 * vector chunk, a free page) would otherwise let detect call the index healthy, and a repair would
 * write into it and back it up as if it were sound. quick_check reads every page but skips the
 * index-against-table comparison, so it costs a fraction of a full scan of the rows.
 */
export function requireSoundDatabase(db: Database, label: string): void {
  const messages = (db.pragma('quick_check') as { quick_check: string }[]).map((row) => row.quick_check);
  if (messages.length === 1 && messages[0] === 'ok') return;
  // SQLite heads the first complaint with the schema's name; it says nothing here.
  messages[0] = (messages[0] ?? '').replace(/^\*\*\* in database \w+ \*\*\*\s*/, '');
  const shown = messages.slice(0, 3).join('; ');
  throw new DatabaseUnusableError(
    `${label}: database is corrupt (PRAGMA quick_check: ${shown}${messages.length > 3 ? `; and ${messages.length - 3} more` : ''}): restore it from a backup (.opsheal/backups) or let the memory server rebuild it`,
    { retryable: false, code: 'SQLITE_CORRUPT' },
  );
}
