import { copyDatabase } from './database-backup.js';
import { DatabaseUnusableError } from './database-unusable-error.js';
import { integrityCheckProblems, requireSoundDatabase, type DatabaseIntegrity } from './database-integrity.js';
import { openIndexDatabase } from './index-database.js';
import type { MemoryMetadata } from './memory-file.js';
import { readMemoryMetadata } from './memory-file-reader.js';
import { checkpointWriteAheadLog } from './wal-checkpoint.js';

/**
 * Work a helper thread of memory-file-pool.ts can do while the main thread works on: SQLite's own
 * checks and the repair's backup read every page, and a repair reads again the files it writes rows
 * from; none needs anything from the main thread but paths (and hashes). The helper opens a
 * connection of its own, runs the same functions the main thread would, and answers with what they
 * returned; an error it cannot pass on exactly (anything but a finding of the check itself, any
 * file that could not be read as scanned) makes the main thread do that part again itself, so
 * errors keep their type and wording.
 */
export interface DatabaseCheckTask {
  readonly kind: 'database-checks';
  readonly path: string;
  readonly busyTimeoutMs: number;
  /** requireSoundDatabase's label, when it is to run. */
  readonly soundLabel?: string;
  /**
   * Whether `PRAGMA integrity_check` is to run (integrityCheckProblems). FTS5's integrity check is
   * not a helper's: it is issued as an INSERT, and runs on the verify's own writable connection
   * meanwhile (background-checks.ts, startIntegrityCheck).
   */
  readonly integrityCheck?: boolean;
}

/** The copy of a repair's backup (database-backup.ts's copyDatabase), into a file of its own. */
export interface DatabaseCopyTask {
  readonly kind: 'database-copy';
  readonly path: string;
  readonly target: string;
}

/**
 * The whole metadata of the files a repair writes rows from (memory-file-reader.ts's
 * readMemoryMetadata: read again, and hash checked against what the scan read).
 */
export interface MemoryMetadataTask {
  readonly kind: 'memory-metadata';
  readonly files: readonly { readonly absolutePath: string; readonly relativePath: string; readonly contentHash: string }[];
}

/**
 * The checkpoint a repair's commit left undone (locked-repair.ts): the write-ahead log copied into
 * the database file (wal-checkpoint.ts), while the main thread goes on. Nobody waits for it.
 */
export interface WalCheckpointTask {
  readonly kind: 'wal-checkpoint';
  readonly path: string;
  readonly busyTimeoutMs: number;
}

export type HelperTask = DatabaseCheckTask | DatabaseCopyTask | MemoryMetadataTask | WalCheckpointTask;

export type HelperTaskResult =
  | {
      readonly ok: true;
      /** A database-checks task's `PRAGMA integrity_check` verdict, when it was asked for. */
      readonly integrityProblems?: DatabaseIntegrity['problems'];
      /** A memory-metadata task's answer, file by file; `null` where readMemoryMetadata threw (the main thread reads that file again, for the error). */
      readonly metadata?: readonly (MemoryMetadata | null)[];
    }
  /** `unusable`: the check's own verdict (a corrupt database); without it, run the check again on the main thread. */
  | { readonly ok: false; readonly unusable?: { readonly message: string; readonly retryable: boolean; readonly code: string | undefined } };

export function runHelperTask(task: HelperTask): HelperTaskResult | Promise<HelperTaskResult> {
  if (task.kind === 'database-copy') {
    return copyDatabase(task.path, task.target).then(
      (): HelperTaskResult => ({ ok: true }),
      (): HelperTaskResult => ({ ok: false }),
    );
  }
  if (task.kind === 'memory-metadata') return { ok: true, metadata: task.files.map(metadataOrNull) };
  if (task.kind === 'wal-checkpoint') return { ok: checkpointWriteAheadLog(task.path, task.busyTimeoutMs) };
  return runDatabaseChecks(task);
}

function metadataOrNull(file: MemoryMetadataTask['files'][number]): MemoryMetadata | null {
  try {
    return readMemoryMetadata(file.absolutePath, file.relativePath, file.contentHash);
  } catch {
    return null;
  }
}

function runDatabaseChecks(task: DatabaseCheckTask): HelperTaskResult {
  let opened;
  try {
    // SQLite's checks read every page once: a small page cache serves as well as a large one.
    opened = openIndexDatabase(task.path, { readonly: true, busyTimeoutMs: task.busyTimeoutMs, cacheKiB: 2048 });
  } catch {
    return { ok: false };
  }
  try {
    if (task.soundLabel !== undefined) requireSoundDatabase(opened.db, task.soundLabel);
    return task.integrityCheck === true ? { ok: true, integrityProblems: integrityCheckProblems(opened.db) } : { ok: true };
  } catch (error) {
    if (error instanceof DatabaseUnusableError && error.code === 'SQLITE_CORRUPT' && error.cause === undefined) {
      return { ok: false, unusable: { message: error.message, retryable: error.retryable, code: error.code } };
    }
    return { ok: false };
  } finally {
    opened.db.close();
  }
}
