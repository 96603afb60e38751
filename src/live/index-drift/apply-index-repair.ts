import type { Database } from 'better-sqlite3';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { appendLedgerEntries } from '../../workspace/ledger-append.js';
import type { NewLedgerEntry } from '../../workspace/ledger-entry.js';
import type { MemoryFileRecord, MemoryMetadata } from '../../workspace/memory-file.js';
import { deletionHash } from '../ledger-hashes.js';
import { repairLedgerEntry, type RepairOrigin } from '../ledger-record.js';
import { storedPath, type NewRowPaths } from '../memory-path.js';
import { isFtsOnlyTrigger } from './fts-only-trigger.js';
import type { IndexRepairOperation } from './plan-index-repair.js';

export interface IndexRepairSettings {
  readonly workspaceRoot: string;
  /** How new rows store their file_path: the form the table already uses. */
  readonly newRowPaths: NewRowPaths;
  /** ISO-8601 with milliseconds, for updated_at, created_at and the ledger. */
  readonly timestamp: string;
  /** Whether `vec_memories` can be written (sqlite-vec loaded and the table exists). */
  readonly vectorsWritable: boolean;
  readonly origin: RepairOrigin;
  /**
   * The whole metadata of the files rows are written from (a scan keeps only their session), in the
   * order given ({@link filesWrittenBy}), read again: throws for the first file that no longer holds
   * what was scanned, so nothing is written from it. Called once, before the first write; the reads
   * may have begun on a helper thread as soon as the plan was made (metadata-ahead.ts).
   */
  readonly metadataOf: (files: readonly MemoryFileRecord[]) => readonly MemoryMetadata[];
}

/**
 * What a repair did, printed on its OK line. `skipped` counts orphan deletions left out because the
 * file came back between the scan and the transaction.
 */
export type IndexRepairCounts = Record<
  'inserted' | 'refreshed' | 'deleted' | 'fts_rebuilt' | 'vectors_dropped' | 'embeddings_reset' | 'skipped' | 'ledger_appended',
  number
>;

/**
 * Carries out the operations and appends one ledger entry per memory_index change. Must run inside
 * the caller's transaction, so that the index change and its record commit together or not at all.
 */
export function applyIndexRepair(db: Database, operations: readonly IndexRepairOperation[], settings: IndexRepairSettings): IndexRepairCounts {
  const counts: IndexRepairCounts = { inserted: 0, refreshed: 0, deleted: 0, fts_rebuilt: 0, vectors_dropped: 0, embeddings_reset: 0, skipped: 0, ledger_appended: 0 };
  const { timestamp, origin } = settings;
  const entries: NewLedgerEntry[] = [];
  const insertRow = db.prepare(
    `INSERT INTO memory_index (id, spec_folder, file_path, anchor_id, title, trigger_phrases, importance_tier, context_type,
       session_id, content_hash, file_mtime_ms, embedding_status, created_at, updated_at)
     VALUES (?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
  );
  const refreshRow = db.prepare(
    `UPDATE memory_index SET title = ?, trigger_phrases = ?, importance_tier = ?, context_type = ?, content_hash = ?,
       file_mtime_ms = ?, embedding_status = 'pending', updated_at = ? WHERE id = ?`,
  );
  const deleteRow = db.prepare('DELETE FROM memory_index WHERE id = ?');
  const resetEmbedding = db.prepare(`UPDATE memory_index SET embedding_status = 'pending', updated_at = ? WHERE id = ?`);
  const deleteVector = settings.vectorsWritable ? db.prepare('DELETE FROM vec_memories WHERE rowid = ?') : undefined;
  const dropVector = (id: number): void => {
    // sqlite-vec only accepts integer rowids, and better-sqlite3 binds plain numbers as REAL.
    if (deleteVector && deleteVector.run(BigInt(id)).changes > 0) counts.vectors_dropped++;
  };

  // All the writes depend on is read before the first of them: the first free id, whether each
  // orphan's file is still gone, and the metadata of every file a row is written from, so that a file
  // that changed since the scan stops the repair before its first change, not halfway (the
  // transaction would undo it anyway). The metadata is collected last: it may be being read on a
  // helper thread meanwhile.
  let nextId = operations.some((operation) => operation.op === 'insert-row') ? firstUnusedId(db, settings.vectorsWritable) : 0;
  const cameBack = new Set<IndexRepairOperation>();
  for (const operation of operations) {
    // The file may have come back since the scan (the memory server writing as we heal): a row is
    // only deleted when its file is still gone inside the transaction.
    if (operation.op === 'delete-row' && fileMayBeAt(join(settings.workspaceRoot, operation.relativePath))) cameBack.add(operation);
  }
  const files = filesWrittenBy(operations);
  const read = settings.metadataOf(files);
  const metadata = new Map<MemoryFileRecord, MemoryMetadata>();
  files.forEach((file, index) => metadata.set(file, read[index] as MemoryMetadata));
  const metadataOf = (file: MemoryFileRecord): MemoryMetadata => metadata.get(file) as MemoryMetadata;

  // A rebuild re-indexes FTS from memory_index as it ends up, so the server's triggers that keep FTS in
  // step row by row would only do work the rebuild throws away: they are set aside for the row
  // changes and put back, as they were, before the transaction commits (see suspendFtsTriggers).
  const rebuildFts = operations.some((operation) => operation.op === 'rebuild-fts');
  const restoreTriggers = rebuildFts ? suspendFtsTriggers(db) : undefined;

  for (const operation of operations) {
    switch (operation.op) {
      case 'insert-row': {
        const { file } = operation;
        const filePath = storedPath(file.relativePath, settings.newRowPaths);
        const meta = metadataOf(file);
        const id = nextId++;
        insertRow.run(id, file.specFolder, filePath, meta.title, JSON.stringify(meta.triggerPhrases), meta.importanceTier, meta.contextType,
          meta.sessionId, file.contentHash, Math.round(file.mtimeMs), timestamp, timestamp);
        counts.inserted++;
        entries.push(repairLedgerEntry(origin, 'missing', {
          mutationType: 'create', memoryId: id, priorHash: null, newHash: file.contentHash, sessionId: meta.sessionId,
          reason: 'memory file had no index row', path: file.relativePath,
        }));
        break;
      }
      case 'refresh-row': {
        const { file, row } = operation;
        const meta = metadataOf(file);
        refreshRow.run(meta.title, JSON.stringify(meta.triggerPhrases), meta.importanceTier, meta.contextType, file.contentHash,
          Math.round(file.mtimeMs), timestamp, row.id);
        dropVector(row.id);
        counts.refreshed++;
        entries.push(repairLedgerEntry(origin, 'stale', {
          mutationType: 'update', memoryId: row.id, priorHash: row.contentHash, newHash: file.contentHash, sessionId: row.sessionId,
          reason: 'index row refreshed from its changed file', path: file.relativePath,
        }));
        break;
      }
      case 'delete-row': {
        const { row, relativePath } = operation;
        if (cameBack.has(operation)) {
          counts.skipped++;
          break;
        }
        deleteRow.run(row.id);
        dropVector(row.id);
        counts.deleted++;
        entries.push(repairLedgerEntry(origin, 'orphaned', {
          mutationType: 'delete', memoryId: row.id, priorHash: row.contentHash, newHash: deletionHash(row.id, row.contentHash),
          sessionId: row.sessionId, reason: 'index row deleted: its memory file is gone', path: relativePath,
        }));
        break;
      }
      case 'delete-vector':
        dropVector(operation.memoryId);
        break;
      case 'reset-embedding': {
        const { row } = operation;
        resetEmbedding.run(timestamp, row.id);
        counts.embeddings_reset++;
        entries.push(repairLedgerEntry(origin, 'missing-vector', {
          mutationType: 'reindex', memoryId: row.id, priorHash: row.contentHash, newHash: row.contentHash ?? '',
          sessionId: row.sessionId, reason: 'marked embedded without a vector: embedding set to pending',
        }));
        break;
      }
      case 'rebuild-fts':
        // Done once every row change is made (below).
        break;
    }
  }
  if (rebuildFts) {
    db.prepare(`INSERT INTO memory_fts(memory_fts) VALUES ('rebuild')`).run();
    restoreTriggers?.();
    counts.fts_rebuilt++;
  }
  counts.ledger_appended = appendLedgerEntries(db, entries, timestamp).length;
  return counts;
}

/** The files rows are written from (inserted or refreshed), in the order of the operations that write them. */
export function filesWrittenBy(operations: readonly IndexRepairOperation[]): MemoryFileRecord[] {
  const files: MemoryFileRecord[] = [];
  for (const operation of operations) if (operation.op === 'insert-row' || operation.op === 'refresh-row') files.push(operation.file);
  return files;
}

/**
 * Drops the triggers on memory_index that do nothing but write to memory_fts and returns what
 * creates them again from their own SQL, unchanged. Only inside the repair's transaction: a
 * rollback, or a process killed before the commit, leaves them as they were. Other triggers on
 * memory_index keep firing, and so does one that writes to memory_fts and elsewhere too
 * (fts-only-trigger.ts): its FTS work is redone by the rebuild, its other work is not.
 */
function suspendFtsTriggers(db: Database): () => void {
  const triggers = (db
    .prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'memory_index' AND sql LIKE '%memory_fts%' ORDER BY rowid`)
    .all() as Array<{ name: string; sql: string }>).filter((trigger) => isFtsOnlyTrigger(trigger.sql));
  for (const trigger of triggers) db.exec(`DROP TRIGGER "${trigger.name.replaceAll('"', '""')}"`);
  return () => {
    for (const trigger of triggers) db.exec(trigger.sql);
  };
}

/**
 * The id a new row takes: above every row, every memory the ledger has ever linked and every vector.
 * SQLite would hand out max(id) + 1, which is the id of a deleted top row: the new memory would
 * inherit its ledger history, and an unrecorded deletion of the old one would vanish from view.
 * Looked up before the repair's first write, so a row the repair deletes does not give its id away.
 */
function firstUnusedId(db: Database, vectorsWritable: boolean): number {
  const topRow = (db.prepare('SELECT max(id) AS top FROM memory_index').get() as { top: number | null }).top ?? 0;
  const topLinked = (db.prepare(
    `SELECT max(CAST(linked.value AS INTEGER)) AS top FROM mutation_ledger, json_each(mutation_ledger.linked_memory_ids) AS linked
     WHERE json_valid(mutation_ledger.linked_memory_ids) AND json_type(mutation_ledger.linked_memory_ids) = 'array'`,
  ).get() as { top: number | null }).top ?? 0;
  const topVector = vectorsWritable ? Number((db.prepare('SELECT max(rowid) AS top FROM vec_memories').get() as { top: number | bigint | null }).top ?? 0) : 0;
  return Math.max(topRow, topLinked, topVector) + 1;
}

/**
 * Whether a file may be at `path`: one is (a link to one counts), or what is there cannot be told.
 * A folder or anything else that is not a file is no memory file, so its row is still orphaned;
 * were it taken for the file come back, the row would never be deleted and every heal would
 * escalate for it.
 */
function fileMayBeAt(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch (error) {
    // Gone, or a folder on the way is now a file: nothing there. Anything else (no permission to
    // look, say): perhaps there is, and the row is kept.
    const code = (error as NodeJS.ErrnoException).code;
    return code !== 'ENOENT' && code !== 'ENOTDIR';
  }
}
